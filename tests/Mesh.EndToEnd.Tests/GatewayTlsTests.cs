using System.Diagnostics;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// The ingress gateway terminating TLS with credentials from the config folder (credentials/&lt;name&gt;/tls.crt, tls.key,
/// ca.crt): a SIMPLE host and MUTUAL hosts on one port told apart by SNI, checked with curl (one MUTUAL host asking for
/// a subject alternative name, one pinning certificates); httpsRedirect on HTTP.
/// </summary>
public sealed class GatewayTlsTests(GatewayTlsTests.Fixture fixture) : IClassFixture<GatewayTlsTests.Fixture>
{
    private LocalMesh _mesh => fixture.Mesh;

    private int _httpsPort => fixture.HttpsPort;

    private string Files => fixture.Files;

    /// <summary>One mesh for these tests, its gateway serving the secure-gateway Gateway below.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
    private readonly string _workDir = Path.Combine(Path.GetTempPath(), "mesh-gwtls-" + Guid.NewGuid().ToString("N")[..8]);

    internal int HttpsPort { get; } = FreePorts.Take(1)[0];

    internal LocalMesh Mesh { get; private set; } = null!;

    internal string Files => Path.Combine(_workDir, "client");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Files);
        using var serverCa = Pki.CreateCa("Gateway Test Server CA");
        using var clientCa = Pki.CreateCa("Gateway Test Client CA");
        File.WriteAllText(Path.Combine(Files, "server-ca.pem"), serverCa.ExportCertificatePem());
        Pki.WriteCredential(Path.Combine(_workDir, "config", "credentials", "simple-cred"), serverCa, "secure.example.com", null);
        Pki.WriteCredential(Path.Combine(_workDir, "config", "credentials", "mutual-cred"), serverCa, "mutual.example.com", clientCa);
        Pki.WriteCredential(Path.Combine(_workDir, "config", "credentials", "san-cred"), serverCa, "san.example.com", clientCa);
        Pki.WriteCredential(Path.Combine(_workDir, "config", "credentials", "pin-cred"), serverCa, "pin.example.com", clientCa);
        Pki.WriteCredential(Path.Combine(_workDir, "config", "credentials", "cipher-cred"), serverCa, "cipher.example.com", null);
        var crlFolder = Path.Combine(_workDir, "config", "credentials", "crl-cred");
        Pki.WriteCredential(crlFolder, serverCa, "crl.example.com", clientCa);
        var client = Pki.WriteClient(Files, "client", clientCa, "client.example.com");
        // The credential's ca.crl revokes "revoked", a certificate of the same client CA.
        using (var revoked = Pki.WriteClient(Files, "revoked", clientCa))
        {
            var crl = new CertificateRevocationListBuilder();
            crl.AddEntry(revoked);
            File.WriteAllText(Path.Combine(crlFolder, "ca.crl"),
                PemEncoding.WriteString("X509 CRL", crl.Build(clientCa, 1, DateTimeOffset.UtcNow.AddDays(1), HashAlgorithmName.SHA256)));
        }

        var other = Pki.WriteClient(Files, "other", clientCa);
        Pki.WriteClient(Files, "third", clientCa).Dispose();
        using var strangerCa = Pki.CreateCa("Stranger CA");
        Pki.WriteClient(Files, "stranger", strangerCa).Dispose();

        // Pins as Istio users write them: the client's SPKI in base64, the other's certificate hash in hex with colons.
        var spki = Convert.ToBase64String(SHA256.HashData(client.PublicKey.ExportSubjectPublicKeyInfo()));
        var hash = string.Join(':', SHA256.HashData(other.RawData).Select(b => b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)));
        client.Dispose();
        other.Dispose();
        Mesh = await LocalMesh.StartAsync(new LocalMeshOptions
        {
            WorkDir = _workDir,
            ConfigOverrides = new Dictionary<string, string> { ["secure-gateway.yaml"] = SecureGateway(HttpsPort, spki, hash) },
        });
    }

    public async Task DisposeAsync()
    {
        if (Mesh is not null) await Mesh.DisposeAsync();
        Directory.Delete(_workDir, recursive: true);
    }
    }

    [Fact]
    public async Task Curl_SimpleHostWithCaCert_Served()
    {
        var (exit, output) = await CurlAsync("secure.example.com");
        Assert.True(exit == 0, output);
        Assert.Contains("200", output);
    }

    [Fact]
    public async Task Curl_SimpleHostWithoutTheCa_FailsVerification()
    {
        var (exit, _) = await CurlAsync("secure.example.com", caFile: null);
        Assert.NotEqual(0, exit);
    }

    [Fact]
    public async Task Curl_MutualHostOnTheSamePort_NeedsAClientCertificateFromItsCa()
    {
        var (withCert, output) = await CurlAsync("mutual.example.com", client: "client");
        Assert.True(withCert == 0, output);
        Assert.Contains("200", output);

        Assert.NotEqual(0, (await CurlAsync("mutual.example.com")).Exit);
        Assert.NotEqual(0, (await CurlAsync("mutual.example.com", client: "stranger")).Exit);
    }

    [Fact]
    public async Task Curl_MutualHostWithSubjectAltNames_TakesOnlyAClientCertificateCarryingOne()
    {
        var (withName, output) = await CurlAsync("san.example.com", client: "client");
        Assert.True(withName == 0, output);
        Assert.Contains("200", output);

        // Signed by the same CA, without the name: refused in the handshake.
        Assert.NotEqual(0, (await CurlAsync("san.example.com", client: "other")).Exit);
    }

    [Fact]
    public async Task Curl_MutualHostWithPins_TakesAClientCertificateMatchingEitherList()
    {
        foreach (var pinned in new[] { "client", "other" })
        {
            var (exit, output) = await CurlAsync("pin.example.com", client: pinned);
            Assert.True(exit == 0, $"{pinned}: {output}");
            Assert.Contains("200", output);
        }

        // Signed by the same CA, pinned by neither list.
        Assert.NotEqual(0, (await CurlAsync("pin.example.com", client: "third")).Exit);
    }

    [Fact]
    public async Task Curl_MutualHostWithACrl_RefusesTheRevokedClientCertificate()
    {
        var (exit, output) = await CurlAsync("crl.example.com", client: "client");
        Assert.True(exit == 0, output);
        Assert.Contains("200", output);

        // Signed by the same CA, and revoked by its CRL.
        Assert.NotEqual(0, (await CurlAsync("crl.example.com", client: "revoked")).Exit);
    }

    [Fact]
    public async Task Curl_HostWithCipherSuites_Tls12OffersOnlyThoseAndTls13IsLeftAlone()
    {
        var (listed, output) = await CurlAsync("cipher.example.com", extra: ["--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES256-GCM-SHA384"]);
        Assert.True(listed == 0, output);
        Assert.Contains("200", output);

        Assert.NotEqual(0, (await CurlAsync("cipher.example.com", extra: ["--tls-max", "1.2", "--ciphers", "ECDHE-ECDSA-AES128-GCM-SHA256"])).Exit);
        var (tls13, output13) = await CurlAsync("cipher.example.com", extra: ["--tlsv1.3"]);
        Assert.True(tls13 == 0, output13);
    }

    [Fact]
    public async Task HttpServerWithHttpsRedirect_Answers301ToHttps()
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false });
        using var request = new HttpRequestMessage(HttpMethod.Get, _mesh.GatewayUrl);
        request.Headers.Host = "secure.example.com";
        using var response = await client.SendAsync(request);
        Assert.Equal(301, (int)response.StatusCode);
        Assert.StartsWith("https://secure.example.com", response.Headers.Location!.ToString());
    }

    private async Task<(int Exit, string Output)> CurlAsync(string host, string? caFile = "server-ca.pem", string? client = null, string[]? extra = null)
    {
        List<string> args = ["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10", "--noproxy", "*",
            "--resolve", $"{host}:{_httpsPort}:127.0.0.1", $"https://{host}:{_httpsPort}/"];
        if (caFile is not null) args.AddRange(["--cacert", Path.Combine(Files, caFile)]);
        if (client is not null) args.AddRange(["--cert", Path.Combine(Files, client + ".crt"), "--key", Path.Combine(Files, client + ".key")]);
        if (extra is not null) args.AddRange(extra);
        var start = new ProcessStartInfo("curl", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string SecureGateway(int httpsPort, string spki, string hash) => $$"""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: secure-gateway, namespace: default }
        spec:
          selector: { istio: ingressgateway }
          servers:
          - port: { number: {{httpsPort}}, name: https-simple, protocol: HTTPS }
            hosts: [secure.example.com]
            tls: { mode: SIMPLE, credentialName: simple-cred }
          - port: { number: {{httpsPort}}, name: https-mutual, protocol: HTTPS }
            hosts: [mutual.example.com]
            tls: { mode: MUTUAL, credentialName: mutual-cred, minProtocolVersion: TLSV1_2 }
          - port: { number: {{httpsPort}}, name: https-san, protocol: HTTPS }
            hosts: [san.example.com]
            tls: { mode: MUTUAL, credentialName: san-cred, subjectAltNames: [client.example.com] }
          - port: { number: {{httpsPort}}, name: https-pin, protocol: HTTPS }
            hosts: [pin.example.com]
            tls: { mode: MUTUAL, credentialName: pin-cred, verifyCertificateSpki: ["{{spki}}"], verifyCertificateHash: ["{{hash}}"] }
          - port: { number: {{httpsPort}}, name: https-cipher, protocol: HTTPS }
            hosts: [cipher.example.com]
            tls: { mode: SIMPLE, credentialName: cipher-cred, cipherSuites: [ECDHE-ECDSA-AES256-GCM-SHA384] }
          - port: { number: {{httpsPort}}, name: https-crl, protocol: HTTPS }
            hosts: [crl.example.com]
            tls: { mode: MUTUAL, credentialName: crl-cred }
          - port: { number: {{"{{gatewayPort}}"}}, name: http-redirect, protocol: HTTP }
            hosts: [secure.example.com]
            tls: { httpsRedirect: true }
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: secure, namespace: default }
        spec:
          hosts: [secure.example.com, mutual.example.com, san.example.com, pin.example.com, cipher.example.com, crl.example.com]
          gateways: [secure-gateway]
          http:
          - route:
            - destination: { host: frontend, port: { number: 80 } }
        """;

    /// <summary>Certificates for the test: CAs, server credentials in the gateway's folder layout, client certificates.</summary>
    private static class Pki
    {
        public static X509Certificate2 CreateCa(string name)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(
                X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
            request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        }

        public static void WriteCredential(string folder, X509Certificate2 ca, string host, X509Certificate2? clientCa)
        {
            Directory.CreateDirectory(folder);
            var (certificate, key) = Issue(ca, $"CN={host}", host, serverAuth: true);
            File.WriteAllText(Path.Combine(folder, "tls.crt"), certificate);
            File.WriteAllText(Path.Combine(folder, "tls.key"), key);
            if (clientCa is not null) File.WriteAllText(Path.Combine(folder, "ca.crt"), clientCa.ExportCertificatePem());
        }

        /// <summary>Writes NAME.crt and NAME.key, and returns the certificate (with <paramref name="dnsName"/> as its SAN when given).</summary>
        public static X509Certificate2 WriteClient(string folder, string name, X509Certificate2 ca, string? dnsName = null)
        {
            var (certificate, key) = Issue(ca, $"CN={name}", dnsName, serverAuth: false);
            File.WriteAllText(Path.Combine(folder, name + ".crt"), certificate);
            File.WriteAllText(Path.Combine(folder, name + ".key"), key);
            return X509Certificate2.CreateFromPem(certificate);
        }

        private static (string Certificate, string Key) Issue(X509Certificate2 ca, string subject, string? dnsName, bool serverAuth)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
                [new Oid(serverAuth ? "1.3.6.1.5.5.7.3.1" : "1.3.6.1.5.5.7.3.2")], false));
            if (dnsName is not null)
            {
                var san = new SubjectAlternativeNameBuilder();
                san.AddDnsName(dnsName);
                request.CertificateExtensions.Add(san.Build());
            }

            using var certificate = request.Create(ca, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12), RandomNumberGenerator.GetBytes(12));
            return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
        }
    }
}
