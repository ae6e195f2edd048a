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
public sealed class ProxyDiscoveryCredentialsTests : SecuredControlPlaneTests
{
    private const int DisconnectedEvent = 1004;
    private static readonly SpiffeId Gateway = new("cluster.local", "istio-system", "istio-ingressgateway-service-account");

    [Fact]
    public async Task ControlPlaneChannel_CertificateInstalledAfterItWasBuilt_NewConnectionPresentsItAndOpenOnesKeepTheirs()
    {
        var store = new WorkloadIdentityStore { IsEnabled = true };
        using var first = ControlPlaneChannel.Create(ControlPlane.GrpcAddress, ControlPlane.RootFile, TimeProvider.System, store);
        using var second = ControlPlaneChannel.Create(ControlPlane.GrpcAddress, ControlPlane.RootFile, TimeProvider.System, store);

        store.Install(WorkloadCertificate(SecuredControlPlane.Frontend));
        using var frontend = await SecuredControlPlane.SubscribeAsync(first, TestNodes.Sidecar("frontend-v1"), cancellationToken: Timeout);
        // A renewal (here to another identity, so that the control plane can tell which certificate it was shown).
        store.Install(WorkloadCertificate(SecuredControlPlane.Backend));
        using var backend = await SecuredControlPlane.SubscribeAsync(second, TestNodes.Sidecar("backend-v1"), cancellationToken: Timeout);
        // A stream opened later on the first connection rides it, authenticated by the certificate that connection was made with.
        using var again = await SecuredControlPlane.SubscribeAsync(first, TestNodes.Sidecar("frontend-v1"), cancellationToken: Timeout);

        var callers = ControlPlane.Server.Registry.Snapshot().Select(c => (c.Node.Id, c.Caller!.Identity, c.Caller.Credential)).ToList();
        Assert.Equal(
        [
            ("sidecar~backend-v1.default", SecuredControlPlane.Backend, "client certificate"),
            ("sidecar~frontend-v1.default", SecuredControlPlane.Frontend, "client certificate"),
            ("sidecar~frontend-v1.default", SecuredControlPlane.Frontend, "client certificate"),
        ], callers);
        // The stream opened before the renewal still carries pushes.
        File.WriteAllText(Path.Combine(ControlPlane.ConfigDirectory, "routing.yaml"), DemoYaml.BackendSubsets + "\n---\n" + DemoYaml.BackendRouting);
        Assert.True(await frontend.ResponseStream.MoveNext(Timeout));
    }

    [Fact]
    public async Task ProxyApplication_WithBootstrapToken_OpensItsStreamWithTheCertificateTheCaIssued()
    {
        await using var proxy = ProxyApplication.Build(GatewayOptions(ControlPlane.Token(Gateway)), transport: null, TimeProvider.System, new Random(7));

        await proxy.StartAsync(Timeout);
        await Eventually.TrueAsync(async () => (await ControlPlane.SynczProxyAsync("router~istio-ingressgateway.istio-system"))?.GetProperty("status").GetString() == "SYNCED",
            "the gateway to be SYNCED");
        var entry = (await ControlPlane.SynczProxyAsync("router~istio-ingressgateway.istio-system"))!.Value;
        await proxy.StopAsync(Timeout);

        Assert.Equal((Gateway.Uri, "client certificate"), (entry.GetProperty("identity").GetString(), entry.GetProperty("authenticatedBy").GetString()));
    }

    [Fact]
    public async Task ProxyApplication_TokenOfAnotherNamespace_RefusedAndSaysWhyInOneLine()
    {
        await using var proxy = ProxyApplication.Build(GatewayOptions(ControlPlane.Token(SecuredControlPlane.Frontend)), transport: null, TimeProvider.System, new Random(7));
        using var logs = new LogCapture();
        proxy.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        await proxy.StartAsync(Timeout);
        await Eventually.TrueAsync(() => logs.Lines.Any(l => l.EventId == DisconnectedEvent), "the proxy to be refused");
        await proxy.StopAsync(Timeout);

        Assert.StartsWith("disconnected from the control plane: PermissionDenied: spiffe://cluster.local/ns/default/sa/frontend may not claim node router~istio-ingressgateway.istio-system",
            logs.Lines.First(l => l.EventId == DisconnectedEvent).Message);
        Assert.Equal(0, ControlPlane.Server.Registry.Count);
    }

    /// <summary>The ingress gateway of namespace istio-system, with no Gateway config to serve: it binds no listener.</summary>
    private ProxyOptions GatewayOptions(string token) =>
        new(ProxyRole.Router, "istio-ingressgateway", "istio-system", ControlPlane.GrpcAddress, null, 0, 0, "127.0.0.1",
            new Dictionary<string, string> { ["istio"] = "ingressgateway" })
        {
            Identity = new IdentityOptions { Token = token, CaRootFile = ControlPlane.RootFile },
        };

    private WorkloadCertificate WorkloadCertificate(SpiffeId identity) =>
        new(identity, ControlPlane.Certificate(identity), [], TrustBundle.FromPem(File.ReadAllText(ControlPlane.RootFile)));
}
