namespace Mesh.Istio.Networking;

/// <summary>One certificate and key pair a gateway server presents.</summary>
public sealed record TlsCertificate
{
    public string? ServerCertificate { get; init; }
    public string? PrivateKey { get; init; }
    public string? CaCertificates { get; init; }
}
