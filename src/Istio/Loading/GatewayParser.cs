using Mesh.Istio.Networking;
using Mesh.Istio.Security;

namespace Mesh.Istio.Loading;

/// <summary>Maps YAML nodes of Gateway fields onto the model, one method per Istio message; the reader records type errors and unknown fields.</summary>
internal static class GatewayParser
{
    internal static GatewaySpec ParseGatewaySpec(YamlMappingReader r) => new()
    {
        Servers = r.List("servers", ParseServer),
        Selector = r.StringMap("selector"),
    };

    internal static Server ParseServer(YamlMappingReader r) => new()
    {
        Port = r.Object("port", ParsePort),
        Bind = r.String("bind"),
        Hosts = r.Strings("hosts"),
        Tls = r.Object("tls", ParseServerTlsSettings),
        DefaultEndpoint = r.String("defaultEndpoint"),
        Name = r.String("name"),
    };

    internal static Port ParsePort(YamlMappingReader r) => new()
    {
        Number = r.UInt32("number"),
        Protocol = r.String("protocol") ?? "",
        Name = r.String("name") ?? "",
        TargetPort = r.UInt32("targetPort"),
    };

    internal static ServerTlsSettings ParseServerTlsSettings(YamlMappingReader r) => new()
    {
        HttpsRedirect = r.Bool("httpsRedirect") ?? false,
        Mode = r.Enum("mode", IstioEnumNames.ParseServerTlsMode, IstioEnumNames.ServerTlsModeValues),
        ServerCertificate = r.String("serverCertificate"),
        PrivateKey = r.String("privateKey"),
        CaCertificates = r.String("caCertificates"),
        CaCrl = r.String("caCrl"),
        CredentialName = r.String("credentialName"),
        CredentialNames = r.Strings("credentialNames"),
        TlsCertificates = r.List("tlsCertificates", ParseTlsCertificate),
        SubjectAltNames = r.Strings("subjectAltNames"),
        VerifyCertificateSpki = r.Strings("verifyCertificateSpki"),
        VerifyCertificateHash = r.Strings("verifyCertificateHash"),
        MinProtocolVersion = r.Enum("minProtocolVersion", IstioEnumNames.ParseTlsProtocol, IstioEnumNames.TlsProtocolValues),
        MaxProtocolVersion = r.Enum("maxProtocolVersion", IstioEnumNames.ParseTlsProtocol, IstioEnumNames.TlsProtocolValues),
        CipherSuites = r.Strings("cipherSuites"),
    };

    internal static TlsCertificate ParseTlsCertificate(YamlMappingReader r) => new()
    {
        ServerCertificate = r.String("serverCertificate"),
        PrivateKey = r.String("privateKey"),
        CaCertificates = r.String("caCertificates"),
    };
}
