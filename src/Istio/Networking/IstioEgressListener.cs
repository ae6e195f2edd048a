namespace Mesh.Istio.Networking;

/// <summary>
/// One egress listener of a Sidecar: the hosts (<c>namespace/dnsName</c>) it imports and, with a port, the one port
/// of theirs it serves.
/// </summary>
public sealed record IstioEgressListener
{
    public Port? Port { get; init; }
    public string? Bind { get; init; }
    public CaptureMode? CaptureMode { get; init; }
    public IReadOnlyList<string> Hosts { get; init; } = [];
}
