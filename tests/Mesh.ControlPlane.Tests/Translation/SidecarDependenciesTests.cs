using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;
using static Mesh.ControlPlane.Tests.Translation.SidecarScopeYaml;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Which proxies a change reaches when Sidecar resources scope them: web-1 imports only its own namespace (shop), its
/// neighbour worker-1 and tool-1 (ops) see everything. A skipped push is checked to be safe: the proxy's generated
/// configuration is the same before and after the edit.
/// </summary>
public sealed class SidecarDependenciesTests
{
    private static readonly string WebScoped = Sidecar("web", "shop", "\"./*\"", selector: "app: web");

    private static readonly string[] Base = [Namespaces, WebScoped];

    private static readonly Node Web = TestNodes.Sidecar("web-1", "shop");
    private static readonly Node Worker = TestNodes.Sidecar("worker-1", "shop");
    private static readonly Node Tool = TestNodes.Sidecar("tool-1", "ops");

    public static TheoryData<string> Edits() => [.. EditCases.Keys];

    private static readonly Dictionary<string, (string[] After, ConfigKey[] Keys, Node[] Pushed)> EditCases = new()
    {
        ["ServiceEntry the scoped proxy does not import"] = (
            [Namespaces.Replace("127.0.0.23", "127.0.0.43", StringComparison.Ordinal), WebScoped],
            [new("ServiceEntry", "ops", "metrics")],
            [Worker, Tool]),
        ["ServiceEntry the scoped proxy imports"] = (
            [Namespaces.Replace("127.0.0.21", "127.0.0.41", StringComparison.Ordinal), WebScoped],
            [new("ServiceEntry", "shop", "cart")],
            [Web, Worker, Tool]),
        ["VirtualService of a service not imported"] = (
            [.. Base, """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: { name: metrics, namespace: ops }
                spec:
                  hosts: [metrics.ops.svc.cluster.local]
                  http: [{ timeout: 2s, route: [{ destination: { host: metrics.ops.svc.cluster.local } }] }]
                """],
            [new("VirtualService", "ops", "metrics")],
            [Worker, Tool]),
        ["DestinationRule of a service not imported"] = (
            [.. Base, """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: { name: metrics, namespace: ops }
                spec:
                  host: metrics.ops.svc.cluster.local
                  trafficPolicy: { loadBalancer: { simple: RANDOM } }
                """],
            [new("DestinationRule", "ops", "metrics")],
            [Worker, Tool]),
        ["DestinationRule of an imported service"] = (
            [.. Base, """
                apiVersion: networking.istio.io/v1
                kind: DestinationRule
                metadata: { name: cart, namespace: shop }
                spec:
                  host: cart
                  trafficPolicy: { loadBalancer: { simple: RANDOM } }
                """],
            [new("DestinationRule", "shop", "cart")],
            [Web, Worker, Tool]),
        ["the scoped proxy's Sidecar edited"] = (
            [Namespaces, WebScoped.Replace("\"./*\"", "ops/*", StringComparison.Ordinal)],
            [new("Sidecar", "shop", "web")],
            [Web]),
        ["the scoped proxy's Sidecar removed"] = (
            [Namespaces],
            [new("Sidecar", "shop", "web")],
            [Web]),
        ["a namespace default added where a selector already applies"] = (
            [.. Base, Sidecar("default", "shop", "ops/*")],
            [new("Sidecar", "shop", "default")],
            [Worker]),
        ["a root default added"] = (
            [.. Base, Sidecar("default", "istio-system", "\"./*\"")],
            [new("Sidecar", "istio-system", "default")],
            [Worker, Tool]),
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void NeedsPush_Edit_PushesExactlyTheProxiesItCanAffect(string edit)
    {
        var (after, keys, pushed) = EditCases[edit];
        var before = Simulation.Load(Base);
        var next = Simulation.Load(after);
        var request = PushRequest.ForConfigs(new HashSet<ConfigKey>(keys), DateTimeOffset.UnixEpoch);

        foreach (var node in (Node[])[Web, Worker, Tool])
        {
            var needsPush = ProxyDependencies.NeedsPush(node, before, next, request);
            Assert.True(needsPush == pushed.Contains(node), $"{edit}: {node.Id} {(needsPush ? "pushed" : "skipped")}, expected the opposite");
            if (!needsPush)
            {
                Assert.True(Generated(node, before) == Generated(node, next), $"{edit}: {node.Id} was skipped but its configuration changed");
            }
            else
            {
                // Each expected push is one the change needs: the proxy's configuration differs.
                Assert.True(Generated(node, before) != Generated(node, next), $"{edit}: {node.Id} was pushed but nothing of its configuration changed");
            }
        }
    }

    private static string Generated(Node node, MeshSnapshot snapshot)
    {
        var resources = ProxyConfigGenerator.Generate(node, snapshot);
        var text = new System.Text.StringBuilder();
        foreach (var typeUrl in TypeUrls.PushOrder)
        {
            foreach (var resource in resources.OfType(typeUrl)) text.Append(Convert.ToBase64String(resource.ToByteArray())).Append('\n');
        }
        return text.ToString();
    }
}
