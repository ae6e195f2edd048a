namespace Mesh.Istio.Networking;

/// <summary>One port a gateway listens on, the hosts it serves and its TLS settings.</summary>
public sealed record Server
{
    public Port? Port { get; init; }
    public string? Bind { get; init; }
    public IReadOnlyList<string> Hosts { get; init; } = [];
    public ServerTlsSettings? Tls { get; init; }
    public string? DefaultEndpoint { get; init; }
    public string? Name { get; init; }
}
