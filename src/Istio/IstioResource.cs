namespace Mesh.Istio;

/// <summary>One Istio resource as loaded: its kind and version, metadata, origin; subclasses add the typed <c>Spec</c>.</summary>
public abstract record IstioResource
{
    /// <summary>The Kubernetes kind, e.g. "VirtualService".</summary>
    public abstract string Kind { get; }

    /// <summary>The apiVersion as written, e.g. "networking.istio.io/v1beta1" (all accepted versions share one model).</summary>
    public required string ApiVersion { get; init; }

    public required ResourceMetadata Metadata { get; init; }

    public required ConfigSource Source { get; init; }

    /// <summary>
    /// SHA-256 (hex) of the text the resource was read from: its YAML document, its item of a List, or its JSON object.
    /// Equal hashes mean the resource was read again unchanged (formatting and comments count as changes); empty when
    /// the resource was not read from text.
    /// </summary>
    public string ContentHash { get; init; } = "";

    /// <summary>
    /// Every field written in the resource's text with a non-null value, by field path (<c>spec.http[0].mirror</c>,
    /// <c>spec.subsets[1]</c>, <c>metadata.labels[app]</c>), and the 1-based line it is on: what was set, as opposed
    /// to what the model defaults, and where to point a person at it (Istio's FieldMap). Empty when not read from text.
    /// </summary>
    public IReadOnlyDictionary<string, int> FieldLines { get; init; } = System.Collections.ObjectModel.ReadOnlyDictionary<string, int>.Empty;

    /// <summary>Kind, namespace and name: what identifies this resource across changes.</summary>
    public ConfigKey Key => new(Kind, Metadata.Namespace, Metadata.Name);

    /// <summary>"Kind namespace/name", the way errors and logs name a resource.</summary>
    public sealed override string ToString() => $"{Kind} {Metadata.Namespace}/{Metadata.Name}";
}
