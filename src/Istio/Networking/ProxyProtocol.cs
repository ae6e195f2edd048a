namespace Mesh.Istio.Networking;

/// <summary>The PROXY protocol header sent to the upstream.</summary>
public sealed record ProxyProtocol
{
    public ProxyProtocolVersion? Version { get; init; }
}
