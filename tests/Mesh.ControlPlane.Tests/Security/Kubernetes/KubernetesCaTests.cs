using System.Security.Cryptography.X509Certificates;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using k8s;
using k8s.Models;
using Mesh.Contracts.Security;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Tests.Discovery;
using Mesh.Kubernetes.TestServer;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Security.Kubernetes;

/// <summary>
/// The CA on the test API server, through KubernetesClient: pods' service-account tokens proven by TokenReview sign
/// only their own identity; the root lives in istio-system's Secrets.
/// </summary>
public sealed class KubernetesCaTests : IAsyncLifetime
{
    private static readonly SpiffeId Backend = new("cluster.local", "default", "backend");

    private readonly TempDirectory _root = new();
    private readonly LogCapture _log = new();
    private TestApiServer _api = null!;
    private IKubernetes _client = null!;
    private ControlPlaneServer? _server;
    private GrpcChannel? _channel;

    public async Task InitializeAsync()
    {
        _api = await TestApiServer.StartAsync();
        _client = new k8s.Kubernetes(_api.ClientConfiguration());
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "istio-system" } });
    }

    public async Task DisposeAsync()
    {
        await StopControlPlaneAsync();
        _client.Dispose();
        await _api.DisposeAsync();
        _root.Dispose();
    }

    [Fact]
    public async Task CreateCertificate_TokenOfTheServiceAccount_SignsItsIdentityUnderTheSecretsRoot()
    {
        await StartControlPlaneAsync();
        using var key = WorkloadKey.Create();

        var response = await CallAsync(Token("backend"), WorkloadKey.CreateSigningRequestPem(key, Backend));

        using var leaf = X509Certificate2.CreateFromPem(response.CertChain[0]);
        var secret = await _client.CoreV1.ReadNamespacedSecretAsync("istio-ca-secret", "istio-system");
        var root = TrustBundle.FromPem(Encoding.UTF8.GetString(secret.Data["ca-cert.pem"]));
        Assert.True(PeerCertificateVerifier.Verify(leaf, [], root, DateTimeOffset.UtcNow, [Backend.Uri]).IsVerified);
    }

    [Fact]
    public async Task CreateCertificate_AnotherServiceAccountsToken_PermissionDeniedAndLoggedOnceWithWho()
    {
        await StartControlPlaneAsync();
        using var key = WorkloadKey.Create();

        var refusal = await Assert.ThrowsAsync<RpcException>(() => CallAsync(Token("frontend"), WorkloadKey.CreateSigningRequestPem(key, Backend)));

        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Contains("sa/frontend", refusal.Status.Detail);
        // One line for the refusal: the Kubernetes CA's, not local mode's beside it.
        var line = Assert.Single(_log.Lines, l => l.EventId is 430 or 302);
        Assert.Equal(430, line.EventId);
        Assert.Contains("system:serviceaccount:default:frontend", line.Message);
        Assert.Contains("CSR asks for spiffe://cluster.local/ns/default/sa/backend", line.Message);
    }

    [Fact]
    public async Task CreateCertificate_ExpiredToken_UnauthenticatedAndLogged()
    {
        await StartControlPlaneAsync();
        using var key = WorkloadKey.Create();

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            CallAsync(_api.IssueServiceAccountToken("default", "backend", ["istio-ca"], TimeSpan.FromMinutes(-5)), WorkloadKey.CreateSigningRequestPem(key, Backend)));

        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.Contains("expired", refusal.Status.Detail);
        Assert.Contains(_log.Lines, l => l.EventId == 430 && l.Message.Contains("system:serviceaccount:default:backend") && l.Message.Contains("expired"));
    }

    [Fact]
    public async Task CreateCertificate_TokenForAnotherAudience_Unauthenticated()
    {
        await StartControlPlaneAsync();
        using var key = WorkloadKey.Create();

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            CallAsync(_api.IssueServiceAccountToken("default", "backend", ["https://kubernetes.default.svc.cluster.local"], TimeSpan.FromHours(1)), WorkloadKey.CreateSigningRequestPem(key, Backend)));

        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.Contains(_log.Lines, l => l.EventId == 430 && l.Message.Contains("Unauthenticated"));
    }

    [Fact]
    public async Task CreateCertificate_NoToken_UnauthenticatedAndLogged()
    {
        await StartControlPlaneAsync();
        using var key = WorkloadKey.Create();

        var refusal = await Assert.ThrowsAsync<RpcException>(() => CallAsync(null, WorkloadKey.CreateSigningRequestPem(key, Backend)));

        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);
        Assert.Contains(_log.Lines, l => l.EventId == 430 && l.Message.Contains("no token"));
    }

    [Fact]
    public async Task Start_CacertsSecretPresent_SignsWithThePluggedInIntermediate()
    {
        var folder = Path.Combine(_root.Path, "cacerts");
        TestCa.WriteIntermediateLayout(folder, new FakeTimeProvider(DateTimeOffset.UtcNow));
        var data = Directory.GetFiles(folder).ToDictionary(file => Path.GetFileName(file), File.ReadAllBytes);
        await _client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "cacerts" }, Data = data }, "istio-system");

        await StartControlPlaneAsync();
        using var key = WorkloadKey.Create();
        var response = await CallAsync(Token("backend"), WorkloadKey.CreateSigningRequestPem(key, Backend));

        using var leaf = X509Certificate2.CreateFromPem(response.CertChain[0]);
        Assert.Contains("Intermediate CA", leaf.Issuer);
        Assert.Equal(2, response.CertChain.Count);
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => _client.CoreV1.ReadNamespacedSecretAsync("istio-ca-secret", "istio-system"));
    }

    [Fact]
    public async Task Start_AgainAfterARestart_ReusesTheRootOfIstioCaSecret()
    {
        await StartControlPlaneAsync();
        var first = await _client.CoreV1.ReadNamespacedSecretAsync("istio-ca-secret", "istio-system");
        Assert.Equal("istio.io/ca-root", first.Type);
        await StopControlPlaneAsync();

        await StartControlPlaneAsync();
        using var key = WorkloadKey.Create();
        var response = await CallAsync(Token("backend"), WorkloadKey.CreateSigningRequestPem(key, Backend));

        var second = await _client.CoreV1.ReadNamespacedSecretAsync("istio-ca-secret", "istio-system");
        Assert.Equal(first.ResourceVersion(), second.ResourceVersion());
        using var root = X509Certificate2.CreateFromPem(Encoding.UTF8.GetString(first.Data["ca-cert.pem"]));
        Assert.Equal(root.Thumbprint, Assert.Single(TrustBundle.FromPem(response.TrustBundle).Roots).Thumbprint);
    }

    [Fact]
    public async Task StreamResources_KubernetesToken_ServedAsItsServiceAccount()
    {
        await StartControlPlaneAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        using var call = await SecuredControlPlane.SubscribeAsync(_channel!, TestNodes.Sidecar("backend-v1"), Token("backend"), timeout.Token);

        var caller = Assert.Single(_server!.Registry.Snapshot()).Caller!;
        Assert.Equal((Backend, "Kubernetes token"), (caller.Identity, caller.Credential));
    }

    [Fact]
    public async Task StreamResources_KubernetesTokenForANodeOfAnotherNamespace_PermissionDenied()
    {
        await StartControlPlaneAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            SecuredControlPlane.SubscribeAsync(_channel!, TestNodes.Sidecar("backend-v1", "shop"), Token("backend"), timeout.Token));

        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Equal(0, _server!.Registry.Count);
    }

    [SkippableFact]
    public async Task RootConfigMap_InEveryNamespace_KeptThroughKubectlDeleteEditAndANewNamespace()
    {
        SkipUnlessKubectlInstalled();
        await StartControlPlaneAsync();
        var secret = await _client.CoreV1.ReadNamespacedSecretAsync("istio-ca-secret", "istio-system");
        var rootPem = TrustBundle.FromPem(Encoding.UTF8.GetString(secret.Data["ca-cert.pem"])).ToPem();

        await Eventually.TrueAsync(async () => await RootInAsync("default") == rootPem && await RootInAsync("kube-system") == rootPem
            && await RootInAsync("istio-system") == rootPem, "the root ConfigMap in every namespace");
        await Eventually.TrueAsync(() => _log.Lines.Any(l => l.EventId == 437), "the first pass over the namespaces");
        // istiod's exceptions: namespaces no workload runs in.
        Assert.Null(await RootInAsync("kube-public"));
        var published = await _client.CoreV1.ReadNamespacedConfigMapAsync("istio-ca-root-cert", "default");
        Assert.Equal("true", published.Labels()["istio.io/config"]);

        await KubectlAsync("delete", "configmap", "istio-ca-root-cert", "-n", "default");
        await Eventually.TrueAsync(async () => await RootInAsync("default") == rootPem, "the ConfigMap back after kubectl delete");

        await KubectlAsync("create", "namespace", "shop");
        await Eventually.TrueAsync(async () => await RootInAsync("shop") == rootPem, "the ConfigMap in the new namespace");

        var edited = await _client.CoreV1.ReadNamespacedConfigMapAsync("istio-ca-root-cert", "shop");
        edited.Data["root-cert.pem"] = "not a root";
        await _client.CoreV1.ReplaceNamespacedConfigMapAsync(edited, "istio-ca-root-cert", "shop");
        await Eventually.TrueAsync(async () => await RootInAsync("shop") == rootPem, "the root put back after an edit");
    }

    private async Task<string?> RootInAsync(string ns)
    {
        try
        {
            return (await _client.CoreV1.ReadNamespacedConfigMapAsync("istio-ca-root-cert", ns)).Data?["root-cert.pem"];
        }
        catch (k8s.Autorest.HttpOperationException ex) when (ex.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private static void SkipUnlessKubectlInstalled()
    {
        var installed = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => File.Exists(Path.Combine(dir, "kubectl")));
        if (!installed && Environment.GetEnvironmentVariable("CI") == "true") Assert.Fail("kubectl is not on PATH; CI must have it.");
        Skip.IfNot(installed, "kubectl is not on PATH: this test deletes the root ConfigMap with it.");
    }

    /// <summary>The machine's kubectl through the test API server's kubeconfig; fails the test with kubectl's words when it fails.</summary>
    private async Task KubectlAsync(params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])["--kubeconfig", _api.WriteKubeconfig(Path.Combine(_root.Path, "kubectl-config")), "--cache-dir", Path.Combine(_root.Path, "kubectl-cache"), .. args])
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {process.ExitCode}: {await error}{await output}");
    }

    private string Token(string serviceAccount) => _api.IssueServiceAccountToken("default", serviceAccount, ["istio-ca"], TimeSpan.FromHours(1));

    private async Task StartControlPlaneAsync()
    {
        var config = Directory.CreateDirectory(Path.Combine(_root.Path, "config")).FullName;
        _server = ControlPlaneServer.Create(
            new ControlPlaneOptions
            {
                ConfigDirectory = config,
                GrpcPort = 0,
                HttpPort = 0,
                Kubernetes = new KubernetesOptions { KubeconfigPath = _api.WriteKubeconfig(Path.Combine(_root.Path, "kubeconfig")) },
            },
            TimeProvider.System, logging => logging.AddProvider(_log).SetMinimumLevel(LogLevel.Information));
        await _server.StartAsync();
        _channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_server.GrpcPort}");
    }

    private async Task StopControlPlaneAsync()
    {
        _channel?.Dispose();
        if (_server is not null) await _server.DisposeAsync();
        (_channel, _server) = (null, null);
    }

    private async Task<CreateCertificateResponse> CallAsync(string? token, string csr) =>
        await new CertificateService.CertificateServiceClient(_channel).CreateCertificateAsync(new CreateCertificateRequest { Csr = csr },
            token is null ? null : new Metadata { { "authorization", "Bearer " + token } }, DateTime.UtcNow.AddSeconds(10));
}
