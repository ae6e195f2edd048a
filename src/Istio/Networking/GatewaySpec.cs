using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>The spec of a Gateway: the servers a load balancer at the mesh edge exposes.</summary>
public sealed record GatewaySpec
{
    public IReadOnlyList<Server> Servers { get; init; } = [];
    public IReadOnlyDictionary<string, string> Selector { get; init; } = ReadOnlyDictionary<string, string>.Empty;
}
