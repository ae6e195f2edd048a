namespace Mesh.Istio.Networking;

/// <summary>How a gateway server terminates TLS.</summary>
public sealed record ServerTlsSettings
{
    public bool HttpsRedirect { get; init; }
    public ServerTlsMode? Mode { get; init; }
    public string? ServerCertificate { get; init; }
    public string? PrivateKey { get; init; }
    public string? CaCertificates { get; init; }
    public string? CaCrl { get; init; }
    public string? CredentialName { get; init; }
    public IReadOnlyList<string> CredentialNames { get; init; } = [];
    public IReadOnlyList<TlsCertificate> TlsCertificates { get; init; } = [];
    public IReadOnlyList<string> SubjectAltNames { get; init; } = [];
    public IReadOnlyList<string> VerifyCertificateSpki { get; init; } = [];
    public IReadOnlyList<string> VerifyCertificateHash { get; init; } = [];
    public TlsProtocol? MinProtocolVersion { get; init; }
    public TlsProtocol? MaxProtocolVersion { get; init; }
    public IReadOnlyList<string> CipherSuites { get; init; } = [];
}
