using Grpc.Core;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Tests.Translation;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>
/// Which node an authenticated caller may claim, on the real server over TLS: its namespace's, its service account's
/// WorkloadEntry or none, never another; a stream keeps the node it opened with and is re-checked as config changes.
/// </summary>
public sealed class NodeClaimTests : SecuredControlPlaneTests
{
    [Fact]
    public async Task StreamResources_IdentityOfAnotherNamespace_PermissionDeniedNamingBothNamespaces()
    {
        using var channel = ControlPlane.Channel();
        var elsewhere = new SpiffeId("cluster.local", "staging", "frontend");

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("frontend-v1"), ControlPlane.Token(elsewhere), Timeout));

        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Contains("the node is in namespace 'default', the identity in 'staging'", refusal.Status.Detail);
    }

    [Fact]
    public async Task StreamResources_NodeIdContradictingItsWorkload_InvalidArgument()
    {
        // The id says backend-v1, the fields (which config is generated from) say frontend-v1: neither may pass for the other.
        using var channel = ControlPlane.Channel();
        var node = TestNodes.Sidecar("frontend-v1");
        node.Id = "sidecar~backend-v1.default";

        var refusal = await Assert.ThrowsAsync<RpcException>(() =>
            SecuredControlPlane.SubscribeAsync(channel, node, ControlPlane.Token(SecuredControlPlane.Frontend), Timeout));

        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        Assert.Contains("expected 'sidecar~frontend-v1.default'", refusal.Status.Detail);
        Assert.Equal(0, ControlPlane.Server.Registry.Count);
    }

    [Fact]
    public async Task StreamResources_NodeWithoutWorkloadEntryInTheIdentitysNamespace_Served()
    {
        // A gateway has no WorkloadEntry; as in istiod, its namespace is all its identity must match.
        var gateway = new SpiffeId("cluster.local", "istio-system", "istio-ingressgateway-service-account");
        using var channel = ControlPlane.Channel();

        using var call = await SecuredControlPlane.SubscribeAsync(channel, TestNodes.Router(ns: "istio-system"), ControlPlane.Token(gateway), Timeout);

        Assert.Equal(gateway, Assert.Single(ControlPlane.Server.Registry.Snapshot()).Caller!.Identity);
    }

    [Fact]
    public async Task StreamResources_LaterRequestNamingAnotherNode_StreamKeepsTheNodeItOpenedWith()
    {
        using var certificate = ControlPlane.Certificate(SecuredControlPlane.Frontend);
        using var channel = ControlPlane.Channel(certificate);
        using var call = await SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("frontend-v1"), cancellationToken: Timeout);

        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = TestNodes.Sidecar("backend-v1"), TypeUrl = TypeUrls.Route }, Timeout);
        // A config change pushes to the stream: what it sends is still generated for frontend-v1 (its inbound port, 17001).
        File.WriteAllText(Path.Combine(ControlPlane.ConfigDirectory, "routing.yaml"), DemoYaml.BackendSubsets + "\n---\n" + DemoYaml.BackendRouting);
        DiscoveryResponse routes;
        do
        {
            Assert.True(await call.ResponseStream.MoveNext(Timeout));
            routes = call.ResponseStream.Current;
        }
        while (routes.TypeUrl != TypeUrls.Route);

        Assert.Contains("inbound|17001", routes.Resources.Select(r => r.Unpack<RouteConfiguration>().Name));
        Assert.Equal("sidecar~frontend-v1.default", Assert.Single(ControlPlane.Server.Registry.Snapshot()).Node.Id);
    }

    [Fact]
    public async Task Push_WorkloadEntryNowRunsAsAnotherServiceAccount_StreamEndsPermissionDenied()
    {
        using var channel = ControlPlane.Channel();
        using var call = await SecuredControlPlane.SubscribeAsync(channel, TestNodes.Sidecar("frontend-v1"), ControlPlane.Token(SecuredControlPlane.Frontend), Timeout);

        var workloads = Path.Combine(ControlPlane.ConfigDirectory, "workloads.yaml");
        File.WriteAllText(workloads, DemoYaml.Workloads.Replace("serviceAccount: frontend", "serviceAccount: storefront", StringComparison.Ordinal));

        var refusal = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(Timeout))
            {
            }
        });
        Assert.Equal(StatusCode.PermissionDenied, refusal.StatusCode);
        Assert.Contains("runs as service account 'storefront'", refusal.Status.Detail);
        await Eventually.TrueAsync(() => ControlPlane.Server.Registry.Count == 0, "the refused stream to leave the registry");
    }
}
