namespace Mesh.Proxy.Overload;

/// <summary>The heap budget the overload manager watches (<c>--max-heap-mb</c>).</summary>
internal sealed record OverloadOptions
{
    /// <summary>
    /// Null: the GC's own limit (<see cref="IHeapMonitor.LimitBytes"/>) less what the process holds besides its heap
    /// when the overload manager starts; 0: no overload actions.
    /// </summary>
    public long? MaxHeapBytes { get; init; }
}
