using System.Collections.ObjectModel;

namespace Mesh.Istio;

/// <summary>The Kubernetes object metadata of an Istio resource that the mesh uses.</summary>
public sealed record ResourceMetadata
{
    /// <summary>The namespace a resource has when its YAML names none, as kubectl applies it.</summary>
    public const string DefaultNamespace = "default";

    public required string Name { get; init; }

    public string Namespace { get; init; } = DefaultNamespace;

    public IReadOnlyDictionary<string, string> Labels { get; init; } = ReadOnlyDictionary<string, string>.Empty;

    public IReadOnlyDictionary<string, string> Annotations { get; init; } = ReadOnlyDictionary<string, string>.Empty;
}
