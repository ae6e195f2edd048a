namespace Mesh.Proxy.Model;

/// <summary>Holds the snapshot being served; a new one is swapped in atomically and requests read one reference each.</summary>
internal sealed class ProxySnapshotStore
{
    private ProxySnapshot _current = ProxySnapshot.Empty;

    public ProxySnapshot Current => Volatile.Read(ref _current);

    /// <summary>Swaps the snapshot in and returns the one it replaced.</summary>
    public ProxySnapshot Swap(ProxySnapshot next) => Interlocked.Exchange(ref _current, next);
}
