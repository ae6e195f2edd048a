using System.Threading;

namespace Mesh.Contracts.Discovery;

/// <summary>
/// A resource on which the control plane keeps its packed form (its bytes as a response carries them, and their hash)
/// once it has made it: a thousand proxies holding one shared resource then read the packing on it instead of looking
/// it up by reference, which was a fifth of a full regeneration's CPU at 1,000 proxies (docs/performance.md). Not a
/// protobuf field: never sent, cloned, compared or hashed with the message, whose content must not change once packed.
/// </summary>
public interface IPackingSlot
{
    /// <summary>The packing, or null while none was kept.</summary>
    object? Packing { get; }

    /// <summary>Keeps <paramref name="packing"/> unless one is already kept; the one kept wins.</summary>
    object KeepPacking(object packing);
}

public sealed partial class Listener : IPackingSlot
{
    private object? _packing;

    object? IPackingSlot.Packing => Volatile.Read(ref _packing);

    object IPackingSlot.KeepPacking(object packing) => Interlocked.CompareExchange(ref _packing, packing, null) ?? packing;
}

public sealed partial class RouteConfiguration : IPackingSlot
{
    private object? _packing;

    object? IPackingSlot.Packing => Volatile.Read(ref _packing);

    object IPackingSlot.KeepPacking(object packing) => Interlocked.CompareExchange(ref _packing, packing, null) ?? packing;
}

public sealed partial class Cluster : IPackingSlot
{
    private object? _packing;

    object? IPackingSlot.Packing => Volatile.Read(ref _packing);

    object IPackingSlot.KeepPacking(object packing) => Interlocked.CompareExchange(ref _packing, packing, null) ?? packing;
}

public sealed partial class ClusterLoadAssignment : IPackingSlot
{
    private object? _packing;

    object? IPackingSlot.Packing => Volatile.Read(ref _packing);

    object IPackingSlot.KeepPacking(object packing) => Interlocked.CompareExchange(ref _packing, packing, null) ?? packing;
}
