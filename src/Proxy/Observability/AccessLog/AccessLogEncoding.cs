namespace Mesh.Proxy.Observability.AccessLog;

/// <summary>Istio's access log encodings (MeshConfig accessLogEncoding).</summary>
internal enum AccessLogEncoding
{
    Text,
    Json,
}
