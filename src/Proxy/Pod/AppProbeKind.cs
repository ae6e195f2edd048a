namespace Mesh.Proxy.Pod;

/// <summary>Which of a Kubernetes probe's handlers an application probe runs.</summary>
internal enum AppProbeKind
{
    HttpGet,
    TcpSocket,
    Grpc,
}
