namespace Mesh.Istio;

/// <summary>
/// Bounds on what one config file (or text) may hold, checked while it is read, so that a hostile or broken file is
/// rejected with a reason instead of exhausting the stack or the memory of the process that loads it.
/// </summary>
public sealed record ConfigInputLimits
{
    /// <summary>4 MiB: Kubernetes refuses a request body over 3 MiB, so one resource never comes near it; a file of thousands still fits.</summary>
    public const long DefaultMaxFileBytes = 4 * 1024 * 1024;

    /// <summary>About what 4 MiB of ordinary YAML holds; a VirtualService is some 50 nodes.</summary>
    public const int DefaultMaxNodes = 250_000;

    /// <summary>
    /// How deep collections may nest. The deepest Istio or Kubernetes object we know of (a CRD's OpenAPI schema) is
    /// about 30 levels, a VirtualService about 10; YamlDotNet builds its nodes recursively, so this bound is also what
    /// keeps a file of nested brackets from overflowing the stack. Not configurable for that reason.
    /// </summary>
    public const int MaxDepth = 100;

    public static ConfigInputLimits Default { get; } = new();

    /// <summary>The largest file, in bytes (of UTF-8 for text), that is read; a larger one is rejected before it is read.</summary>
    public long MaxFileBytes { get; init; } = DefaultMaxFileBytes;

    /// <summary>
    /// The most YAML nodes (scalars, lists and objects, over all documents) one file may hold, each alias counted as
    /// the nodes it repeats, so that a few kilobytes of nested aliases ("billion laughs") cannot stand for billions.
    /// </summary>
    public int MaxNodes { get; init; } = DefaultMaxNodes;
}
