namespace Mesh.Istio.Networking;

/// <summary>TCP connection limits towards a destination.</summary>
public sealed record TcpSettings
{
    public int? MaxConnections { get; init; }
    public TimeSpan? ConnectTimeout { get; init; }
    public TcpKeepalive? TcpKeepalive { get; init; }
    public TimeSpan? MaxConnectionDuration { get; init; }
    public TimeSpan? IdleTimeout { get; init; }
}
