namespace Mesh.Istio.Networking;

/// <summary>
/// The Sidecar resource: which services (egress hosts) the sidecars it applies to can reach, and their
/// outboundTrafficPolicy; a proxy gets the configuration of those services only.
/// </summary>
public sealed record Sidecar : IstioResource
{
    public const string KindName = "Sidecar";

    public override string Kind => KindName;

    public required SidecarSpec Spec { get; init; }
}
