// How the proxy gets and renews its workload certificate.
using Mesh.Security;

namespace Mesh.Proxy.Identity;

internal sealed record IdentityOptions
{
    /// <summary>Environment variable that carries the bootstrap token, so that it does not show in process listings.</summary>
    public const string TokenVariable = "MESH_CA_TOKEN";

    public const double DefaultRenewFraction = 0.8;

    /// <summary>The bootstrap token from the control plane; null with no <see cref="TokenFile"/> either: no identity (plaintext only).</summary>
    public string? Token { get; init; }

    /// <summary>
    /// A projected Kubernetes service-account token (--ca-token-file), read again before every use (<see cref="CaToken"/>);
    /// null: <see cref="Token"/>, if any.
    /// </summary>
    public string? TokenFile { get; init; }

    /// <summary>With <see cref="TokenFile"/>: spiffe://&lt;trust domain&gt;/ns/&lt;namespace&gt;/sa/&lt;service account&gt;, the identity the CSR asks for.</summary>
    public SpiffeId? ServiceAccountIdentity { get; init; }

    /// <summary>Whether the proxy has a token to ask the CA for a certificate with.</summary>
    public bool HasToken => Token is not null || TokenFile is not null;

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
