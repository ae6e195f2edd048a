namespace Mesh.Istio.Security;

/// <summary>The RequestAuthentication resource: which JSON Web Tokens the selected workloads accept from end users.</summary>
public sealed record RequestAuthentication : IstioResource
{
    public const string KindName = "RequestAuthentication";

    public override string Kind => KindName;

    public required RequestAuthenticationSpec Spec { get; init; }
}
