namespace Mesh.Istio.Networking;

/// <summary>HTTP/2 PING keepalive of upstream connections.</summary>
public sealed record Http2KeepAlive
{
    public TimeSpan? Interval { get; init; }
    public TimeSpan? Timeout { get; init; }
    public TimeSpan? ConnectionIdleInterval { get; init; }
}
