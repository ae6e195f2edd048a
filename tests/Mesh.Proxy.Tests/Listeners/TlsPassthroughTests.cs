using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>A gateway listener with SNI routes: TLS clients reach the backend their SNI names, end to end encrypted with the backend's certificate.</summary>
public sealed class TlsPassthroughTests
{
    private static Task<(TestProxy Proxy, int Port)> StartAsync(TlsBackend a, TlsBackend b, params SniRoute[] routes) => StartAsync(a, b, null, routes);

    private static async Task<(TestProxy Proxy, int Port)> StartAsync(TlsBackend a, TlsBackend b, Contracts.Discovery.Authorization? authorization, params SniRoute[] routes)
    {
        var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var listener = new Listener { Name = $"127.0.0.1_{port}", Address = "127.0.0.1", Port = (uint)port, Direction = TrafficDirection.Gateway, Authorization = authorization };
        listener.SniRoutes.AddRange(routes);
        await proxy.ApplyAsync([Cluster("a"), Cluster("b")], [Endpoints("a", a.Port), Endpoints("b", b.Port)], listener);
        return (proxy, port);
    }

    private static SniRoute Route(string name, string cluster, params string[] hosts) =>
        new() { Name = name, SniHosts = { hosts }, Clusters = { new WeightedCluster { Name = cluster, Weight = 100 } } };

    [Fact]
    public async Task Connect_SniOfEachRoute_ReachesItsBackendAndSeesItsCertificate()
    {
        await using var a = TlsBackend.Start("a.example.com");
        await using var b = TlsBackend.Start("x.b.example.com");
        var (proxy, port) = await StartAsync(a, b, Route("a", "a", "a.example.com"), Route("b", "b", "*.b.example.com"));
        await using var owned = proxy;

        var (certificateA, answerA) = await TalkAsync(port, "a.example.com", "hello");
        var (certificateB, answerB) = await TalkAsync(port, "x.b.example.com", "hi");

        Assert.Equal("a.example.com: hello", answerA);
        Assert.Equal(a.Certificate.Thumbprint, certificateA.Thumbprint);
        Assert.Equal("x.b.example.com: hi", answerB);
        Assert.Equal(b.Certificate.Thumbprint, certificateB.Thumbprint);
    }

    [Fact]
    public async Task Connect_UnknownSni_ConnectionClosedBeforeTheHandshake()
    {
        await using var a = TlsBackend.Start("a.example.com");
        await using var b = TlsBackend.Start("b.example.com");
        var (proxy, port) = await StartAsync(a, b, Route("a", "a", "a.example.com"));
        await using var owned = proxy;

        await Assert.ThrowsAnyAsync<IOException>(() => TalkAsync(port, "b.example.com", "hello"));
        // The listener keeps serving the names it knows.
        Assert.Equal("a.example.com: again", (await TalkAsync(port, "a.example.com", "again")).Answer);
    }

    [Fact]
    public async Task Connect_AuthorizationDeniesTheSniOrTheSource_ClosedBeforeTheHandshake_HttpOnlyRulesFailClosed()
    {
        await using var a = TlsBackend.Start("a.example.com");
        await using var b = TlsBackend.Start("b.example.com");
        var authorization = new Contracts.Discovery.Authorization
        {
            Policies =
            {
                // A DENY rule on the SNI: b.example.com is closed.
                new AuthorizationPolicy
                {
                    Name = "deny-b", Namespace = "default", Action = AuthorizationAction.Deny,
                    Rules = { new AuthorizationRule { When = { Match(AuthorizationAttribute.Sni, "b.*") } } },
                },
                // An ALLOW rule with an HTTP-only condition never matches on TCP; the SNI rule lets a.example.com in.
                new AuthorizationPolicy
                {
                    Name = "allow", Namespace = "default", Action = AuthorizationAction.Allow,
                    Rules =
                    {
                        new AuthorizationRule { When = { Match(AuthorizationAttribute.Path, "/public*"), Match(AuthorizationAttribute.Sni, "*") } },
                        new AuthorizationRule { When = { Match(AuthorizationAttribute.Sni, "a.example.com"), Match(AuthorizationAttribute.SourceIp, "127.0.0.0/8") } },
                    },
                },
            },
        };
        var (proxy, port) = await StartAsync(a, b, authorization, Route("a", "a", "a.example.com"), Route("b", "b", "b.example.com"), Route("c", "a", "c.example.com"));
        await using var owned = proxy;

        Assert.Equal("a.example.com: hello", (await TalkAsync(port, "a.example.com", "hello")).Answer);
        await Assert.ThrowsAnyAsync<IOException>(() => TalkAsync(port, "b.example.com", "hello"));
        await Assert.ThrowsAnyAsync<IOException>(() => TalkAsync(port, "c.example.com", "hello"));
    }

    private static AuthorizationMatch Match(AuthorizationAttribute attribute, string value) => new() { Attribute = attribute, Values = { value } };

    [Fact]
    public async Task Connect_Plaintext_Closed()
    {
        await using var a = TlsBackend.Start("a.example.com");
        await using var b = TlsBackend.Start("b.example.com");
        var (proxy, port) = await StartAsync(a, b, Route("any", "a", "*"));
        await using var owned = proxy;
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();

        await stream.WriteAsync("GET / HTTP/1.1\r\nHost: a.example.com\r\n\r\n"u8.ToArray());

        Assert.Equal(0, await ReadToEndLengthAsync(stream));
    }

    [Fact]
    public async Task Connect_PortAlsoTerminatingTls_UnroutedSniGetsTheGatewaysCertificate()
    {
        await using var a = TlsBackend.Start("a.example.com");
        await using var b = TlsBackend.Start("b.example.com");
        using var gatewayCertificate = TlsBackend.CreateCertificate("secure.example.com");
        var folder = Directory.CreateTempSubdirectory("passthrough-");
        try
        {
            File.WriteAllText(Path.Combine(folder.FullName, "tls.crt"), gatewayCertificate.ExportCertificatePem());
            File.WriteAllText(Path.Combine(folder.FullName, "tls.key"), gatewayCertificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            await using var proxy = await TestProxy.StartAsync();
            var port = FreePort.Next();
            var listener = Listener($"127.0.0.1_{port}", port, "http.shared");
            listener.Direction = TrafficDirection.Gateway;
            listener.SniRoutes.Add(Route("a", "a", "a.example.com"));
            listener.TlsServers.Add(new GatewayTlsServer
            {
                Hosts = { "secure.example.com" },
                CertificateFile = Path.Combine(folder.FullName, "tls.crt"),
                PrivateKeyFile = Path.Combine(folder.FullName, "tls.key"),
                Origin = "test",
            });
            var direct = new Mesh.Contracts.Discovery.Route { Name = "direct", Match = new RouteMatch(), DirectResponse = new DirectResponseAction { Status = 200, Body = "terminated" } };
            await proxy.ApplyAsync([Cluster("a")], [Endpoints("a", a.Port)], listener, Routes("http.shared", Host("secure", ["*"], direct)));

            var (passedThrough, answer) = await TalkAsync(port, "a.example.com", "hello");
            var (terminated, terminatedTls) = await HandshakeAsync(port, "secure.example.com");
            await terminatedTls.DisposeAsync();

            Assert.Equal("a.example.com: hello", answer);
            Assert.Equal(a.Certificate.Thumbprint, passedThrough.Thumbprint);
            Assert.Equal(gatewayCertificate.Thumbprint, terminated.Thumbprint);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Connect_ClientHalfCloses_UpstreamGetsEveryByteAndTheEndAndItsAnswerStillArrives()
    {
        using var upstream = new TcpListener(System.Net.IPAddress.Loopback, 0);
        upstream.Start();
        var upstreamPort = ((System.Net.IPEndPoint)upstream.LocalEndpoint).Port;
        var serving = CountThenAnswerAsync(upstream);
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var listener = new Listener { Name = $"127.0.0.1_{port}", Address = "127.0.0.1", Port = (uint)port, Direction = TrafficDirection.Gateway };
        listener.SniRoutes.Add(Route("raw", "raw", "raw.example.com"));
        await proxy.ApplyAsync([Cluster("raw")], [Endpoints("raw", upstreamPort)], listener);
        var hello = await ClientHelloCapture.CaptureAsync("raw.example.com");
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        var stream = client.GetStream();

        await stream.WriteAsync(hello);
        await stream.WriteAsync("more"u8.ToArray());
        client.Client.Shutdown(SocketShutdown.Send);
        using var reader = new StreamReader(stream);
        var answer = await reader.ReadToEndAsync();

        Assert.Equal($"received {hello.Length + 4} bytes", answer);
        await serving;
    }

    [Fact]
    public async Task Apply_SniHostTakenTwice_Rejected()
    {
        await using var proxy = await TestProxy.StartAsync();
        var listener = new Listener { Name = "gw", Address = "127.0.0.1", Port = (uint)FreePort.Next(), Direction = TrafficDirection.Gateway };
        listener.SniRoutes.Add(Route("first", "a", "a.example.com"));
        listener.SniRoutes.Add(Route("second", "a", "a.example.com"));

        var answer = await proxy.Stream.PushAsync(Response(TypeUrls.Listener, "1", listener));

        Assert.Contains("sni_routes[1] 'second'.sni_hosts[0]", answer.ErrorDetail!.Message);
    }

    private static async Task<(X509Certificate2 Certificate, string? Answer)> TalkAsync(int port, string serverName, string line)
    {
        var (seen, tls) = await HandshakeAsync(port, serverName);
        await using var owned = tls;
        using var reader = new StreamReader(tls);
        await using var writer = new StreamWriter(tls) { AutoFlush = true };
        await writer.WriteLineAsync(line);
        return (seen!, await reader.ReadLineAsync());
    }

    /// <summary>Connects and completes a TLS handshake for <paramref name="serverName"/>; returns the certificate the client was shown.</summary>
    private static async Task<(X509Certificate2 Certificate, SslStream Tls)> HandshakeAsync(int port, string serverName)
    {
        var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        X509Certificate2? seen = null;
        var tls = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                {
                    seen = new X509Certificate2(certificate!);
                    return true;
                },
            });
        }
        catch
        {
            await tls.DisposeAsync();
            client.Dispose();
            throw;
        }

        return (seen!, tls);
    }

    /// <summary>Accepts one connection, reads it to its end, then answers how many bytes came and closes.</summary>
    private static async Task CountThenAnswerAsync(TcpListener listener)
    {
        using var accepted = await listener.AcceptTcpClientAsync();
        var stream = accepted.GetStream();
        var total = await ReadToEndLengthAsync(stream);
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"received {total} bytes"));
    }

    private static async Task<int> ReadToEndLengthAsync(NetworkStream stream)
    {
        var buffer = new byte[1024];
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer)) > 0) total += read;
        return total;
    }
}
