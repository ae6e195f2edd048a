namespace Mesh.Istio.Networking;

/// <summary>The spec of a VirtualService: routing rules applied to traffic for a set of hosts.</summary>
public sealed record VirtualServiceSpec
{
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public IReadOnlyList<string> Gateways { get; init; } = [];
    public IReadOnlyList<HttpRoute> Http { get; init; } = [];
    public IReadOnlyList<TlsRoute> Tls { get; init; } = [];
    public IReadOnlyList<TcpRoute> Tcp { get; init; } = [];
    public IReadOnlyList<string> ExportTo { get; init; } = [];
}
