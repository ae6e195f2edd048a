// How the proxy gets and renews its workload certificate.
namespace Mesh.Proxy.Identity;

internal sealed record IdentityOptions
{
    /// <summary>Environment variable that carries the bootstrap token, so that it does not show in process listings.</summary>
    public const string TokenVariable = "MESH_CA_TOKEN";

    public const double DefaultRenewFraction = 0.8;

    /// <summary>The bootstrap token from the control plane; null runs the proxy without an identity (plaintext only).</summary>
    public string? Token { get; init; }

    /// <summary>
    /// The CA root bundle (root-cert.pem, as Istio's istio-ca-root-cert ConfigMap carries it) that verifies an https://
    /// control plane; null when the control plane is reached over plaintext http://.
    /// </summary>
    public string? CaRootFile { get; init; }

    /// <summary>The lifetime to ask for; null takes the CA's default.</summary>
    public TimeSpan? Lifetime { get; init; }

    /// <summary>Renew once this share of the certificate's lifetime has passed.</summary>
    public double RenewFraction { get; init; } = DefaultRenewFraction;
}
