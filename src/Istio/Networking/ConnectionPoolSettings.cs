namespace Mesh.Istio.Networking;

/// <summary>Connection limits towards a destination.</summary>
public sealed record ConnectionPoolSettings
{
    public TcpSettings? Tcp { get; init; }
    public HttpSettings? Http { get; init; }
}
