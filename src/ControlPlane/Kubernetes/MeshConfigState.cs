using Mesh.Injection;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>A field of the mesh config that was written but changes nothing here, and why.</summary>
internal readonly record struct FieldWithoutEffect(string Path, string Reason);

/// <summary>The mesh config in effect, where it came from, and what became of each field: what <c>/debug/meshz</c> shows.</summary>
internal sealed record MeshConfigState
{
    /// <summary>namespace/name of the ConfigMap read.</summary>
    public required string Source { get; init; }

    /// <summary>The resourceVersion of the ConfigMap in effect; null: none (Istio's defaults).</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>The injection settings the mesh config leads to.</summary>
    public required InjectionSettings Injection { get; init; }

    /// <summary>The fields translation reads (outboundTrafficPolicy).</summary>
    public Model.MeshSettings Mesh { get; init; } = Model.MeshSettings.Default;

    public IReadOnlyList<string> Effective { get; init; } = [];

    public IReadOnlyList<FieldWithoutEffect> WithoutEffect { get; init; } = [];

    /// <summary>Why the latest version was refused (it is not the one in effect); null when the latest one is.</summary>
    public string? Rejection { get; init; }
}
