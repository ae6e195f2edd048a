namespace Mesh.Istio.Security;

/// <summary>The external authorizer of a CUSTOM policy.</summary>
public sealed record ExtensionProvider
{
    public string Name { get; init; } = "";
}
