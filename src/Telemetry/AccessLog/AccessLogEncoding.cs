namespace Mesh.Telemetry.AccessLog;

/// <summary>Istio's access log encodings (MeshConfig accessLogEncoding).</summary>
public enum AccessLogEncoding
{
    Text,
    Json,
}
