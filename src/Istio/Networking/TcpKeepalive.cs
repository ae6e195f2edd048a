namespace Mesh.Istio.Networking;

/// <summary>TCP keepalive probing of upstream connections.</summary>
public sealed record TcpKeepalive
{
    public uint? Probes { get; init; }
    public TimeSpan? Time { get; init; }
    public TimeSpan? Interval { get; init; }
}
