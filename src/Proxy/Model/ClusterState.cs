namespace Mesh.Proxy.Model;

/// <summary>
/// The live state of one cluster, kept across snapshots for as long as the cluster's name exists: the round-robin
/// cursor, and each address's <see cref="EndpointState"/>.
/// </summary>
internal sealed class ClusterState
{
    private int _roundRobin = -1;

    /// <summary>The next turn of round-robin balancing (wraps around).</summary>
    public uint NextTurn() => (uint)Interlocked.Increment(ref _roundRobin);
}
