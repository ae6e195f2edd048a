namespace Mesh.Istio.Networking;

/// <summary>One ingress listener of a Sidecar: a port of the workload and where its traffic goes.</summary>
public sealed record IstioIngressListener
{
    public Port? Port { get; init; }
    public string? Bind { get; init; }
    public CaptureMode? CaptureMode { get; init; }
    public string? DefaultEndpoint { get; init; }
    public ServerTlsSettings? Tls { get; init; }
    public ConnectionPoolSettings? ConnectionPool { get; init; }
}
