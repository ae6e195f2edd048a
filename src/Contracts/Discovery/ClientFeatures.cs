namespace Mesh.Contracts.Discovery;

/// <summary>What a proxy declares it can do beyond whole sets per type (<see cref="Node.ClientFeatures"/>).</summary>
public static class ClientFeatures
{
    /// <summary>The proxy applies incremental responses (<see cref="DiscoveryResponse.Incremental"/>).</summary>
    public const string Incremental = "incremental";
}
