using System.Collections.ObjectModel;

namespace Mesh.Istio.Networking;

/// <summary>
/// The spec of a ProxyConfig. Without a selector it applies to its whole namespace (the mesh, in the root namespace);
/// with one, to the pods of its namespace whose labels match. Field names are Istio's.
/// </summary>
public sealed record ProxyConfigSpec
{
    public LabelSelector? Selector { get; init; }

    /// <summary>The proxy's worker count; 0: one per core. Null: not set, so a broader ProxyConfig's value applies.</summary>
    public int? Concurrency { get; init; }

    /// <summary>Variables added to the proxy container's environment (Istio's proxyMetadata), in the order written.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentVariables { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    /// <summary><c>image.imageType</c> (default, debug, distroless): which flavour of Istio's proxy image; "" for an image without a type.</summary>
    public string? ImageType { get; init; }
}
