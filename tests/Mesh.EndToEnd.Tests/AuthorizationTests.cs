using Mesh.Meshctl.Local;
using Mesh.Security;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// AuthorizationPolicy in a running mesh: a DENY-all in the root namespace answers every request 403, and an ALLOW for
/// the frontend's identity on the backend lets exactly that caller through. Each test writes the one policy file and
/// waits for its own effect, so they pass in either order.
/// </summary>
public sealed class AuthorizationTests(AuthorizationTests.Fixture fixture) : IClassFixture<AuthorizationTests.Fixture>
{
    private const string PolicyFile = "authorization.yaml";
    private static readonly TimeSpan PushDeadline = TimeSpan.FromSeconds(30);

    private const string DenyAll = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: deny-all, namespace: istio-system }
        spec:
          action: DENY
          rules: [{}]
        """;

    private const string AllowFrontendToBackend = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: { name: backend-from-frontend, namespace: default }
        spec:
          selector: { matchLabels: { app: backend } }
          rules:
          - from: [{ source: { principals: ["cluster.local/ns/default/sa/frontend"] } }]
        """;

    private LocalMesh Mesh => fixture.Run.Mesh;

    private string RootFile => Path.Combine(Mesh.CaDir, CertificateAuthorityFolder.RootCertFile);

    [Fact]
    public async Task DenyAllInRootNamespace_EveryRequestAnswered403ByTheGatewayAndEverySidecar()
    {
        fixture.Run.WriteConfig(PolicyFile, DenyAll);
        // Every proxy has it once each denies what only the deny-all denies: the gateway anything, the frontend's
        // sidecar plaintext, the backends' sidecars the frontend's own identity.
        await MeshRun.WaitUntilAsync(async () =>
                (await fixture.Run.GetAsync()).Status == 403
                && await PlaintextStatusAsync(Frontend.InboundPort) == 403
                && await FrontendIdentityStatusAsync(BackendV1.InboundPort) == 403
                && await FrontendIdentityStatusAsync(BackendV2.InboundPort) == 403,
            PushDeadline, "every proxy to deny");

        var answers = await fixture.Run.GetManyAsync(20, parallel: 4);
        Assert.All(answers, a => Assert.Equal((403, "RBAC: access denied"), (a.Status, a.Body)));
        Assert.Equal(403, await PlaintextStatusAsync(BackendV2.InboundPort));
    }

    [Fact]
    public async Task AllowFrontendPrincipalOnBackend_ExactlyTheFrontendGetsThrough()
    {
        fixture.Run.WriteConfig(PolicyFile, AllowFrontendToBackend);
        // Every proxy has it once the gateway and the frontend allow anything and the backends refuse a caller without
        // an identity but take the frontend's.
        await MeshRun.WaitUntilAsync(async () =>
                (await fixture.Run.GetAsync()).Status == 200
                && await PlaintextStatusAsync(Frontend.InboundPort) == 200
                && await PlaintextStatusAsync(BackendV1.InboundPort) == 403
                && await PlaintextStatusAsync(BackendV2.InboundPort) == 403
                && await FrontendIdentityStatusAsync(BackendV1.InboundPort) == 200
                && await FrontendIdentityStatusAsync(BackendV2.InboundPort) == 200,
            PushDeadline, "every proxy to apply the ALLOW policy");

        // Through the gateway, the frontend calls the backend over mTLS with its own identity: allowed.
        var answers = await fixture.Run.GetManyAsync(20, parallel: 4);
        Assert.All(answers, a => Assert.Equal(200, a.Status));
        Assert.All(answers, a => Assert.NotNull(a.Backend));

        // Another workload of the mesh, with a valid certificate of its own: denied.
        var (certificate, key) = fixture.Identity("stranger");
        var stranger = await OpenSslClient.RequestAsync(BackendV1.InboundPort, certificate, key, RootFile);
        Assert.Contains("HTTP/1.1 403", stranger);
        Assert.Contains("RBAC: access denied", stranger);
    }

    private LocalWorkload Frontend => Mesh.Workloads.Single(w => w.Name == "frontend-v1");

    private LocalWorkload BackendV1 => Mesh.Workloads.Single(w => w.Name == "backend-v1");

    private LocalWorkload BackendV2 => Mesh.Workloads.Single(w => w.Name == "backend-v2");

    private static async Task<int> PlaintextStatusAsync(int port)
    {
        using var plain = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await plain.GetAsync($"http://127.0.0.1:{port}/");
        return (int)response.StatusCode;
    }

    /// <summary>The status a request over mTLS with the frontend's identity gets; 0 when none came back.</summary>
    private async Task<int> FrontendIdentityStatusAsync(int port)
    {
        var (certificate, key) = fixture.Identity("frontend");
        var output = await OpenSslClient.RequestAsync(port, certificate, key, RootFile);
        return output.Contains("HTTP/1.1 200", StringComparison.Ordinal) ? 200 : output.Contains("HTTP/1.1 403", StringComparison.Ordinal) ? 403 : 0;
    }

    /// <summary>One demo mesh (auto mTLS everywhere, every inbound port PERMISSIVE) whose policy file the tests rewrite.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        internal MeshRun Run { get; private set; } = null!;

        internal string Scratch { get; } = Path.Combine(Path.GetTempPath(), "mesh-authz-" + Guid.NewGuid().ToString("N")[..8]);

        private readonly Dictionary<string, (string Certificate, string Key)> _identities = [];

        public async Task InitializeAsync()
        {
            Directory.CreateDirectory(Scratch);
            Run = await MeshRun.StartAsync();
        }

        /// <summary>Certificate and key files for a service account of the default namespace, signed by the mesh's CA.</summary>
        internal (string Certificate, string Key) Identity(string serviceAccount)
        {
            lock (_identities)
            {
                if (!_identities.TryGetValue(serviceAccount, out var files))
                {
                    using var ca = ClientCertificateFiles.MeshCa(Run.Mesh.CaDir, DateTimeOffset.UtcNow);
                    _identities[serviceAccount] = files = ClientCertificateFiles.Write(Scratch, serviceAccount, ca,
                        new SpiffeId("cluster.local", "default", serviceAccount), TimeSpan.FromHours(1));
                }
                return files;
            }
        }

        public async Task DisposeAsync()
        {
            await Run.DisposeAsync();
            Directory.Delete(Scratch, recursive: true);
        }
    }
}
