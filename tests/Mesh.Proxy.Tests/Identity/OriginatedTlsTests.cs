using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Identity;

/// <summary>DestinationRule SIMPLE and MUTUAL to an outside HTTPS service: caCertificates, sni and subjectAltNames are checked; MUTUAL presents the client certificate.</summary>
public sealed class OriginatedTlsTests : IAsyncLifetime
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "mesh-origination-" + Guid.NewGuid().ToString("N")[..8]);
    private X509Certificate2 _serverCa = null!;
    private X509Certificate2 _clientCa = null!;
    private WebApplication _outside = null!;
    private int _outsidePort;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _serverCa = CreateCa("Outside Server CA");
        _clientCa = CreateCa("Outside Client CA");
        File.WriteAllText(Path.Combine(_folder, "server-ca.pem"), _serverCa.ExportCertificatePem());
        using var otherCa = CreateCa("Other CA");
        File.WriteAllText(Path.Combine(_folder, "other-ca.pem"), otherCa.ExportCertificatePem());
        var (clientCert, clientKey) = Issue(_clientCa, "CN=mesh-client", null, serverAuth: false);
        File.WriteAllText(Path.Combine(_folder, "client.crt"), clientCert.ExportCertificatePem());
        File.WriteAllText(Path.Combine(_folder, "client.key"), clientKey.ExportPkcs8PrivateKeyPem());

        var (serverCert, serverKey) = Issue(_serverCa, "CN=api.example.com", "api.example.com", serverAuth: true);
        // Two CRLs of the server CA: one revoking the server's certificate, one revoking another.
        var revoking = new CertificateRevocationListBuilder();
        revoking.AddEntry(serverCert);
        File.WriteAllText(Path.Combine(_folder, "server-revoked.crl"),
            PemEncoding.WriteString("X509 CRL", revoking.Build(_serverCa, 1, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256)));
        var other = new CertificateRevocationListBuilder();
        other.AddEntry([0x7f, 0x01]);
        File.WriteAllText(Path.Combine(_folder, "server-not-revoked.crl"),
            PemEncoding.WriteString("X509 CRL", other.Build(_serverCa, 2, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256)));
        var serverWithKey = X509CertificateLoader.LoadPkcs12(serverCert.CopyWithPrivateKey(serverKey).Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = serverWithKey,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (_, _, _) => true,
        })));
        _outside = builder.Build();
        _outside.Run(context => context.Response.WriteAsync("client=" + (context.Connection.ClientCertificate?.Subject ?? "none")));
        await _outside.StartAsync();
        _outsidePort = new Uri(_outside.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    public async Task DisposeAsync()
    {
        await _outside.DisposeAsync();
        _serverCa.Dispose();
        _clientCa.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Simple_TrustedCaAndMatchingSan_Served()
    {
        var (status, body) = await SendThroughProxyAsync(new UpstreamTls
        {
            Mode = UpstreamTlsMode.Simple, Sni = "api.example.com", CaCertificates = Path.Combine(_folder, "server-ca.pem"), SubjectAltNames = { "api.example.com" },
        });
        Assert.Equal(200, status);
        Assert.Equal("client=none", body);
    }

    [Fact]
    public async Task Simple_CaThatDidNotSignTheServer_Refused()
    {
        var (status, _) = await SendThroughProxyAsync(new UpstreamTls
        {
            Mode = UpstreamTlsMode.Simple, Sni = "api.example.com", CaCertificates = Path.Combine(_folder, "other-ca.pem"),
        });
        Assert.Equal(503, status);
    }

    [Fact]
    public async Task Simple_SubjectAltNameNotOnTheCertificate_Refused()
    {
        var (status, _) = await SendThroughProxyAsync(new UpstreamTls
        {
            Mode = UpstreamTlsMode.Simple, Sni = "api.example.com", CaCertificates = Path.Combine(_folder, "server-ca.pem"), SubjectAltNames = { "billing.example.com" },
        });
        Assert.Equal(503, status);
    }

    [Theory]
    [InlineData(false, 503)]
    [InlineData(true, 200)]
    public async Task Simple_InsecureSkipVerify_AcceptsAServerNeitherTheCaNorTheNamesVouchFor(bool insecureSkipVerify, int expected)
    {
        var (status, _) = await SendThroughProxyAsync(new UpstreamTls
        {
            Mode = UpstreamTlsMode.Simple, Sni = "api.example.com", CaCertificates = Path.Combine(_folder, "other-ca.pem"),
            SubjectAltNames = { "billing.example.com" }, InsecureSkipVerify = insecureSkipVerify,
        });
        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task Mutual_PresentsTheClientCertificate()
    {
        var (status, body) = await SendThroughProxyAsync(new UpstreamTls
        {
            Mode = UpstreamTlsMode.Mutual, Sni = "api.example.com", CaCertificates = Path.Combine(_folder, "server-ca.pem"),
            ClientCertificate = Path.Combine(_folder, "client.crt"), PrivateKey = Path.Combine(_folder, "client.key"),
        });
        Assert.Equal(200, status);
        Assert.Equal("client=CN=mesh-client", body);
    }

    [Theory]
    [InlineData("server-not-revoked.crl", 200)]
    [InlineData("server-revoked.crl", 503)]
    public async Task Simple_CaCrl_RefusesAServerWhoseCertificateItsCaRevoked(string crl, int expected)
    {
        var (status, _) = await SendThroughProxyAsync(new UpstreamTls
        {
            Mode = UpstreamTlsMode.Simple, Sni = "api.example.com", CaCertificates = Path.Combine(_folder, "server-ca.pem"), CaCrl = Path.Combine(_folder, crl),
        });
        Assert.Equal(expected, status);
    }

    [Fact]
    public async Task Mutual_InlineCredential_PresentsItsClientCertificateAndTrustsItsCa()
    {
        // What the control plane sends for a DestinationRule's credentialName: the Secret's PEM, in place of the files.
        var (status, body) = await SendThroughProxyAsync(new UpstreamTls
        {
            Mode = UpstreamTlsMode.Mutual, Sni = "api.example.com",
            CaCertificatesPem = File.ReadAllText(Path.Combine(_folder, "server-ca.pem")),
            ClientCertificatePem = File.ReadAllText(Path.Combine(_folder, "client.crt")),
            PrivateKeyPem = File.ReadAllText(Path.Combine(_folder, "client.key")),
        });
        Assert.Equal(200, status);
        Assert.Equal("client=CN=mesh-client", body);
    }

    [Fact]
    public async Task Mutual_CredentialMissing_ConnectsWithoutAClientCertificate_TheConfigIsKept()
    {
        // A credentialName whose Secret is missing: no key pair, and no file either. The config is accepted (the other
        // clusters keep working); this one presents nothing, which a server requiring a certificate refuses.
        var (status, body) = await SendThroughProxyAsync(new UpstreamTls
        {
            Mode = UpstreamTlsMode.Mutual, Sni = "api.example.com", CaCertificatesPem = File.ReadAllText(Path.Combine(_folder, "server-ca.pem")),
        });
        Assert.Equal(200, status);
        Assert.Equal("client=none", body);
    }

    private async Task<(int Status, string Body)> SendThroughProxyAsync(UpstreamTls tls)
    {
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var cluster = MeshConfig.Cluster("outbound|443||api.example.com");
        cluster.Tls = tls;
        await proxy.ApplyAsync([cluster], [MeshConfig.Endpoints(cluster.Name, _outsidePort)], MeshConfig.Listener("gw", port, "http.80"),
            MeshConfig.Routes("http.80", MeshConfig.Host("api", ["*"], MeshConfig.ToCluster(cluster.Name))));
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        using var response = await client.GetAsync($"http://127.0.0.1:{port}/");
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    private static (X509Certificate2 Certificate, ECDsa Key) Issue(X509Certificate2 ca, string subject, string? dnsName, bool serverAuth)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
        if (dnsName is not null)
        {
            var san = new SubjectAlternativeNameBuilder();
            san.AddDnsName(dnsName);
            request.CertificateExtensions.Add(san.Build());
        }

        return (request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(12)), key);
    }
}
