namespace Mesh.ControlPlane.Model;

/// <summary>
/// A Kubernetes Secret read as a gateway TLS credential (Istio's credentialName): the certificate chain, its key and
/// the CA certificates, as PEM, or why the Secret cannot serve (<see cref="Problem"/>; then the PEM fields are empty).
/// </summary>
/// <param name="ResourceVersion">The Secret's resourceVersion: a new one is a change pushed to the gateways using it.</param>
internal sealed record TlsCredentialModel(string Namespace, string Name, string ResourceVersion, string CertificatePem, string PrivateKeyPem,
    string CaCertificatesPem, string? Problem)
{
    /// <summary>The kind a push request names when a Secret changed (only the gateways of its namespace using it regenerate).</summary>
    public const string SecretKind = "Secret";

    /// <summary>Istio's suffix of the Secret holding a MUTUAL server's client CA when the credential's own Secret has none.</summary>
    public const string CaSecretSuffix = "-cacert";

    public bool HasKeyPair => Problem is null && CertificatePem.Length > 0 && PrivateKeyPem.Length > 0;

    /// <summary>The certificate revocation lists (ca.crl or crl), PEM; empty when the Secret has none.</summary>
    public string CrlPem { get; init; } = "";
}
