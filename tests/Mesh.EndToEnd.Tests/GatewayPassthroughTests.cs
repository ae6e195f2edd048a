using System.Diagnostics;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// The ingress gateway passing TLS through by SNI (Gateway tls.mode PASSTHROUGH, VirtualService tls routes): curl reaches
/// HTTPS backends outside the mesh, each with its own CA, and the certificate it verifies is the backend's.
/// </summary>
public sealed class GatewayPassthroughTests(GatewayPassthroughTests.Fixture fixture) : IClassFixture<GatewayPassthroughTests.Fixture>
{
    /// <summary>Two HTTPS backends, then one mesh whose gateway passes TLS through to them by SNI.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private readonly string _workDir = Path.Combine(Path.GetTempPath(), "mesh-passthrough-" + Guid.NewGuid().ToString("N")[..8]);

        internal int Port { get; } = FreePorts.Take(1)[0];

        internal HttpsBackend Alpha { get; private set; } = null!;

        internal HttpsBackend Beta { get; private set; } = null!;

        internal LocalMesh Mesh { get; private set; } = null!;

        internal string CaFile(HttpsBackend backend) => Path.Combine(_workDir, backend.Host + ".ca.pem");

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(_workDir);
            Alpha = await HttpsBackend.StartAsync("alpha.passthrough.test");
            Beta = await HttpsBackend.StartAsync("beta.passthrough.test");
            File.WriteAllText(CaFile(Alpha), Alpha.CaPem);
            File.WriteAllText(CaFile(Beta), Beta.CaPem);
            Mesh = await LocalMesh.StartAsync(new LocalMeshOptions
            {
                WorkDir = _workDir,
                ConfigOverrides = new Dictionary<string, string> { ["passthrough-gateway.yaml"] = Config(Port, Alpha.Port, Beta.Port) },
            });
        }

        public async Task DisposeAsync()
        {
            if (Mesh is not null) await Mesh.DisposeAsync();
            if (Alpha is not null) await Alpha.DisposeAsync();
            if (Beta is not null) await Beta.DisposeAsync();
            Directory.Delete(_workDir, recursive: true);
        }
    }

    [Fact]
    public async Task Curl_EachSniHost_ReachesItsBackendWithTheBackendsCertificate()
    {
        var alpha = await CurlAsync("alpha.passthrough.test", fixture.CaFile(fixture.Alpha));
        var beta = await CurlAsync("beta.passthrough.test", fixture.CaFile(fixture.Beta));

        Assert.True(alpha.Exit == 0, alpha.Output);
        Assert.Contains("served by alpha.passthrough.test", alpha.Output);
        Assert.Contains("subject: CN=alpha.passthrough.test", alpha.Output);
        Assert.Contains("issuer: CN=alpha.passthrough.test test CA", alpha.Output);
        Assert.True(beta.Exit == 0, beta.Output);
        Assert.Contains("served by beta.passthrough.test", beta.Output);
        Assert.Contains("subject: CN=beta.passthrough.test", beta.Output);
    }

    [Fact]
    public async Task Curl_TrustingOnlyTheOtherBackendsCa_FailsVerification()
    {
        // Only alpha's own CA vouches for what answers alpha's name: no certificate of the gateway's stands in.
        var (exit, output) = await CurlAsync("alpha.passthrough.test", fixture.CaFile(fixture.Beta));

        Assert.NotEqual(0, exit);
        Assert.DoesNotContain("served by", output);
    }

    [Fact]
    public async Task Curl_SniNoRouteNames_ConnectionClosed()
    {
        var (exit, output) = await CurlAsync("gamma.passthrough.test", fixture.CaFile(fixture.Alpha));

        Assert.NotEqual(0, exit);
        Assert.DoesNotContain("served by", output);
    }

    private async Task<(int Exit, string Output)> CurlAsync(string host, string caFile)
    {
        List<string> args = ["-sS", "-v", "--max-time", "10", "--noproxy", "*", "--cacert", caFile,
            "--resolve", $"{host}:{fixture.Port}:127.0.0.1", $"https://{host}:{fixture.Port}/"];
        var start = new ProcessStartInfo("curl", args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }

    private static string Config(int port, int alphaPort, int betaPort) => $$"""
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: passthrough-gateway, namespace: default }
        spec:
          selector: { istio: ingressgateway }
          servers:
          - port: { number: {{port}}, name: tls-passthrough, protocol: TLS }
            hosts: ["*.passthrough.test"]
            tls: { mode: PASSTHROUGH }
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: alpha, namespace: default }
        spec:
          hosts: [alpha.backend.test]
          location: MESH_EXTERNAL
          ports: [{ number: {{alphaPort}}, name: tls, protocol: TLS }]
          resolution: STATIC
          endpoints: [{ address: 127.0.0.1 }]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: beta, namespace: default }
        spec:
          hosts: [beta.backend.test]
          location: MESH_EXTERNAL
          ports: [{ number: {{betaPort}}, name: tls, protocol: TLS }]
          resolution: STATIC
          endpoints: [{ address: 127.0.0.1 }]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: passthrough, namespace: default }
        spec:
          hosts: [alpha.passthrough.test, beta.passthrough.test]
          gateways: [passthrough-gateway]
          tls:
          - match: [{ sniHosts: [alpha.passthrough.test] }]
            route:
            - destination: { host: alpha.backend.test, port: { number: {{alphaPort}} } }
          - match: [{ sniHosts: [beta.passthrough.test] }]
            route:
            - destination: { host: beta.backend.test, port: { number: {{betaPort}} } }
        """;
}
