using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Tests.Translation;
using Mesh.Proxy;
using Mesh.Proxy.Identity;
using Mesh.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>
/// The proxy's side against the real control plane over TLS: its channel presents the certificate installed when a
/// connection is made, and a proxy started with a bootstrap token opens its stream with the certificate the CA gave it.
/// </summary>
public sealed class ProxyDiscoveryCredentialsTests : IAsyncLifetime
{
    private const int DisconnectedEvent = 1004;
    private static readonly SpiffeId Gateway = new("cluster.local", "istio-system", "istio-ingressgateway-service-account");

    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));
    private SecuredControlPlane _controlPlane = null!;

    public async Task InitializeAsync() => _controlPlane = await SecuredControlPlane.StartAsync();

    public async Task DisposeAsync()
    {
        await _controlPlane.DisposeAsync();
        _timeout.Dispose();
    }

    [Fact]
    public async Task ControlPlaneChannel_CertificateInstalledAfterItWasBuilt_NewConnectionPresentsItAndOpenOnesKeepTheirs()
    {
        var store = new WorkloadIdentityStore { IsEnabled = true };
        using var first = ControlPlaneChannel.Create(_controlPlane.GrpcAddress, _controlPlane.RootFile, TimeProvider.System, store);
        using var second = ControlPlaneChannel.Create(_controlPlane.GrpcAddress, _controlPlane.RootFile, TimeProvider.System, store);

        store.Install(WorkloadCertificate(SecuredControlPlane.Frontend));
        using var frontend = await SecuredControlPlane.SubscribeAsync(first, TestNodes.Sidecar("frontend-v1"), cancellationToken: _timeout.Token);
        // A renewal (here to another identity, so that the control plane can tell which certificate it was shown).
        store.Install(WorkloadCertificate(SecuredControlPlane.Backend));
        using var backend = await SecuredControlPlane.SubscribeAsync(second, TestNodes.Sidecar("backend-v1"), cancellationToken: _timeout.Token);
        // A stream opened later on the first connection rides it, authenticated by the certificate that connection was made with.
        using var again = await SecuredControlPlane.SubscribeAsync(first, TestNodes.Sidecar("frontend-v1"), cancellationToken: _timeout.Token);

        var callers = _controlPlane.Server.Registry.Snapshot().Select(c => (c.Node.Id, c.Caller!.Identity, c.Caller.Credential)).ToList();
        Assert.Equal(
        [
            ("sidecar~backend-v1.default", SecuredControlPlane.Backend, "client certificate"),
            ("sidecar~frontend-v1.default", SecuredControlPlane.Frontend, "client certificate"),
            ("sidecar~frontend-v1.default", SecuredControlPlane.Frontend, "client certificate"),
        ], callers);
        // The stream opened before the renewal still carries pushes.
        File.WriteAllText(Path.Combine(_controlPlane.ConfigDirectory, "routing.yaml"), DemoYaml.BackendSubsets + "\n---\n" + DemoYaml.BackendRouting);
        Assert.True(await frontend.ResponseStream.MoveNext(_timeout.Token));
    }

    [Fact]
    public async Task ProxyApplication_WithBootstrapToken_OpensItsStreamWithTheCertificateTheCaIssued()
    {
        await using var proxy = ProxyApplication.Build(GatewayOptions(_controlPlane.Token(Gateway)), transport: null, TimeProvider.System, new Random(7));

        await proxy.StartAsync(_timeout.Token);
        await Eventually.TrueAsync(async () => (await _controlPlane.SynczProxyAsync("router~istio-ingressgateway.istio-system"))?.GetProperty("status").GetString() == "SYNCED",
            "the gateway to be SYNCED");
        var entry = (await _controlPlane.SynczProxyAsync("router~istio-ingressgateway.istio-system"))!.Value;
        await proxy.StopAsync(_timeout.Token);

        Assert.Equal((Gateway.Uri, "client certificate"), (entry.GetProperty("identity").GetString(), entry.GetProperty("authenticatedBy").GetString()));
    }

    [Fact]
    public async Task ProxyApplication_TokenOfAnotherNamespace_RefusedAndSaysWhyInOneLine()
    {
        await using var proxy = ProxyApplication.Build(GatewayOptions(_controlPlane.Token(SecuredControlPlane.Frontend)), transport: null, TimeProvider.System, new Random(7));
        using var logs = new LogCapture();
        proxy.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        await proxy.StartAsync(_timeout.Token);
        await Eventually.TrueAsync(() => logs.Lines.Any(l => l.EventId == DisconnectedEvent), "the proxy to be refused");
        await proxy.StopAsync(_timeout.Token);

        Assert.StartsWith("disconnected from the control plane: PermissionDenied: spiffe://cluster.local/ns/default/sa/frontend may not claim node router~istio-ingressgateway.istio-system",
            logs.Lines.First(l => l.EventId == DisconnectedEvent).Message);
        Assert.Equal(0, _controlPlane.Server.Registry.Count);
    }

    /// <summary>The ingress gateway of namespace istio-system, with no Gateway config to serve: it binds no listener.</summary>
    private ProxyOptions GatewayOptions(string token) =>
        new(ProxyRole.Router, "istio-ingressgateway", "istio-system", _controlPlane.GrpcAddress, null, 0, 0, "127.0.0.1",
            new Dictionary<string, string> { ["istio"] = "ingressgateway" })
        {
            Identity = new IdentityOptions { Token = token, CaRootFile = _controlPlane.RootFile },
        };

    private WorkloadCertificate WorkloadCertificate(SpiffeId identity) =>
        new(identity, _controlPlane.Certificate(identity), [], TrustBundle.FromPem(File.ReadAllText(_controlPlane.RootFile)));
}
