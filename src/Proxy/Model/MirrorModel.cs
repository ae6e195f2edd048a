namespace Mesh.Proxy.Model;

/// <summary>One of a route's request mirrors (Envoy's request_mirror_policies): the cluster that gets a copy of its share of requests.</summary>
internal sealed class MirrorModel(string cluster, double percent)
{
    public string Cluster { get; } = cluster;

    /// <summary>0 to 100.</summary>
    public double Percent { get; } = percent;
}
