namespace Mesh.Istio.Security;

/// <summary>The PeerAuthentication resource: the mutual TLS mode of workloads' inbound traffic.</summary>
public sealed record PeerAuthentication : IstioResource
{
    public const string KindName = "PeerAuthentication";

    public override string Kind => KindName;

    public required PeerAuthenticationSpec Spec { get; init; }
}
