using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Tests.Identity;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Security;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>
/// A client that connects and sends nothing, or stops halfway, or goes quiet between requests, is closed within the
/// stage's deadline on every kind of listener: plaintext, PERMISSIVE, STRICT, gateway TLS and TLS passthrough.
/// </summary>
public sealed class ListenerDeadlineTests : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);
    // Generous under load, yet short of every default these tests replace (10 s for a TLS handshake, 15 s and more for the rest).
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(8);

    private static readonly ListenerLimits ShortLimits = new()
    {
        ListenerFiltersTimeout = Deadline, TlsHandshakeTimeout = Deadline, RequestHeadersTimeout = Deadline, IdleTimeout = Deadline,
    };

    private readonly CertificateAuthority _ca = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("deadlines-");

    [Theory]
    [InlineData("plaintext")]
    [InlineData("permissive")]
    [InlineData("strict")]
    [InlineData("gateway-tls")]
    [InlineData("passthrough")]
    public async Task Connect_SilentClient_ClosedWithinTheDeadline(string kind)
    {
        var (proxy, port, name) = await StartAsync(kind);
        await using var owned = proxy;
        using var silent = await RawConnection.OpenAsync(port);

        var closedAfter = await silent.WaitClosedAsync(Bound);

        Assert.True(closedAfter is not null, $"a silent connection to the {kind} listener was still open after {Bound.TotalSeconds} s");
        Assert.True(closedAfter >= Deadline * 0.8, $"closed after {closedAfter}, before its deadline of {Deadline}");
        if (kind != "gateway-tls")
        {
            // Gateway TLS has no stage before the handshake: Kestrel's handshake timeout closes it, uncounted by us.
            Assert.Equal(1, await PreConnectionTimeoutsAsync(proxy, name));
        }
    }

    [Fact]
    public async Task Connect_HalfARequestLine_ClosedWithinTheRequestHeadersTimeout()
    {
        var (proxy, port, _) = await StartAsync("plaintext");
        await using var owned = proxy;
        using var slow = await RawConnection.OpenAsync(port);

        await slow.Stream.WriteAsync("GET / HTTP/1.1\r\nHost: a"u8.ToArray());

        Assert.NotNull(await slow.WaitClosedAsync(Bound));
    }

    [Fact]
    public async Task Request_KeepAliveConnectionGoesQuiet_ClosedWithinTheIdleTimeout()
    {
        var (proxy, port, _) = await StartAsync("plaintext");
        await using var owned = proxy;
        using var client = await RawConnection.OpenAsync(port);

        await client.Stream.WriteAsync("GET / HTTP/1.1\r\nHost: a\r\n\r\n"u8.ToArray());
        var buffer = new byte[4096];
        var read = await client.Stream.ReadAsync(buffer);
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, read));

        Assert.NotNull(await client.WaitClosedAsync(Bound));
    }

    [Fact]
    public async Task Connect_Http2PriorKnowledgeWithoutStreams_ClosedWithinTheIdleTimeout()
    {
        var (proxy, port, _) = await StartAsync("plaintext");
        await using var owned = proxy;
        using var client = await RawConnection.OpenAsync(port);

        // The client preface and an empty SETTINGS frame, then nothing: an idle h2c connection.
        byte[] prefaceAndSettings = [.. "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8, 0, 0, 0, 4, 0, 0, 0, 0, 0];
        await client.Stream.WriteAsync(prefaceAndSettings);

        Assert.NotNull(await client.WaitClosedAsync(Bound));
    }

    public void Dispose() => _folder.Delete(recursive: true);

    private async Task<(TestProxy Proxy, int Port, string Name)> StartAsync(string kind)
    {
        var proxy = await TestProxy.StartAsync(limits: ShortLimits,
            certificateSource: kind is "permissive" or "strict" ? new TestCertificateSource(() => _ca, SidecarPair.BackendId, TimeSpan.FromHours(1)) : null);
        var port = FreePort.Next();
        var listener = Listener($"{kind}_{port}", port, "routes");
        switch (kind)
        {
            case "permissive" or "strict":
                listener.Direction = TrafficDirection.Inbound;
                listener.TlsMode = kind == "strict" ? InboundTlsMode.Strict : InboundTlsMode.Permissive;
                break;
            case "gateway-tls":
                listener.Direction = TrafficDirection.Gateway;
                listener.TlsServers.Add(GatewayServer("secure.example.com"));
                break;
            case "passthrough":
                listener.Direction = TrafficDirection.Gateway;
                listener.SniRoutes.Add(new SniRoute { Name = "a", SniHosts = { "a.example.com" }, Clusters = { new WeightedCluster { Name = "a", Weight = 100 } } });
                break;
        }

        var direct = new Mesh.Contracts.Discovery.Route { Name = "direct", Match = new RouteMatch(), DirectResponse = new DirectResponseAction { Status = 200, Body = "ok" } };
        await proxy.ApplyAsync([Cluster("a")], [Endpoints("a", FreePort.Next())], listener, Routes("routes", Host("any", ["*"], direct)));
        return (proxy, port, listener.Name);
    }

    private GatewayTlsServer GatewayServer(string host)
    {
        using var certificate = TlsBackend.CreateCertificate(host);
        var certificateFile = Path.Combine(_folder.FullName, "tls.crt");
        var keyFile = Path.Combine(_folder.FullName, "tls.key");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return new GatewayTlsServer { Hosts = { host }, CertificateFile = certificateFile, PrivateKeyFile = keyFile, Origin = "test" };
    }

    private static async Task<double> PreConnectionTimeoutsAsync(TestProxy proxy, string listener)
    {
        var text = await proxy.Admin.GetStringAsync("/stats/prometheus");
        var prefix = $"{ListenerMetrics.PreConnectionTimeoutsName}{{listener=\"{listener}\"}} ";
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
