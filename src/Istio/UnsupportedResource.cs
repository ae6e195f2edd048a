namespace Mesh.Istio;

/// <summary>
/// A resource of an Istio kind the mesh does not model (an EnvoyFilter, a Telemetry...): loaded with its
/// metadata only, so that it is listed where people look and reported as having no effect, never dropped unseen.
/// </summary>
public sealed record UnsupportedResource : IstioResource
{
    public required string KindName { get; init; }

    public override string Kind => KindName;
}
