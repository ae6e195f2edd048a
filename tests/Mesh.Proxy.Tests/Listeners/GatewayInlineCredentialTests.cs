using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Admin;
using Mesh.Proxy.Tests.Infrastructure;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>A gateway TLS server whose credential the control plane pushes inline (a Kubernetes Secret): real handshakes on 127.0.0.1.</summary>
public sealed class GatewayInlineCredentialTests
{
    [Fact]
    public async Task Handshake_InlinePem_ServesThatCertificateAndRoutes()
    {
        await using var proxy = await TestProxy.StartAsync();
        using var certificate = TlsBackend.CreateCertificate("shop.example.com");
        var port = FreePort.Next();
        var listener = Listener($"gateway_{port}", port, "routes");
        listener.Direction = TrafficDirection.Gateway;
        listener.TlsServers.Add(new GatewayTlsServer
        {
            Hosts = { "shop.example.com" },
            CertificatePem = certificate.ExportCertificatePem(),
            PrivateKeyPem = certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(),
            // Files that do not exist: inline PEM wins over them.
            CertificateFile = "/nonexistent/tls.crt",
            PrivateKeyFile = "/nonexistent/tls.key",
            Origin = "istio-system/web credentialName shop-cert",
        });
        var direct = new Mesh.Contracts.Discovery.Route { Name = "direct", Match = new RouteMatch(), DirectResponse = new DirectResponseAction { Status = 200, Body = "from the gateway" } };
        await proxy.ApplyAsync([Cluster("a")], [Endpoints("a", FreePort.Next())], listener, Routes("routes", Host("any", ["*"], direct)));

        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        X509Certificate2? seen = null;
        await using var tls = new SslStream(tcp.GetStream(), false, (_, presented, _, _) =>
        {
            seen = presented is null ? null : new X509Certificate2(presented);
            return true;
        });
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = "shop.example.com", ApplicationProtocols = [SslApplicationProtocol.Http11] });
        Assert.Equal(certificate.Thumbprint, seen!.Thumbprint);

        using var handler = new SocketsHttpHandler { UseProxy = false, SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true } };
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{port}/") { Headers = { Host = "shop.example.com" } };
        handler.SslOptions.TargetHost = "shop.example.com";
        using var response = await client.SendAsync(request);
        Assert.Equal("from the gateway", await response.Content.ReadAsStringAsync());

        var dump = await proxy.Admin.GetStringAsync("/config_dump");
        Assert.DoesNotContain("PRIVATE KEY", dump, StringComparison.Ordinal);
        Assert.Contains(ConfigDumpWriter.Redacted, dump, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_InlinePemNotACertificate_RejectedNamingTheServer()
    {
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var listener = Listener($"gateway_{port}", port, "routes");
        listener.Direction = TrafficDirection.Gateway;
        listener.TlsServers.Add(new GatewayTlsServer { Hosts = { "*" }, CertificatePem = "not a certificate", PrivateKeyPem = "nor a key", Origin = "istio-system/web credentialName broken" });

        var error = await Assert.ThrowsAnyAsync<Exception>(() => proxy.ApplyAsync([Cluster("a")], [Endpoints("a", FreePort.Next())], listener, Routes("routes")));

        Assert.Contains("credentialName broken", error.Message, StringComparison.Ordinal);
    }
}
