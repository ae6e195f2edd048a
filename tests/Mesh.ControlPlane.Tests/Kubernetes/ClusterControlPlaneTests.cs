using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using k8s;
using k8s.Models;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Kubernetes;
using Mesh.Kubernetes.Tests;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>The control plane started with a kubeconfig (no config folder) serving a proxy what the cluster holds.</summary>
public sealed class ClusterControlPlaneTests
{
    [SkippableFact]
    public async Task Server_WithAKubeconfig_ServesTheClustersServicesAndVirtualServicesToAProxy()
    {
        Kubectl.SkipUnlessInstalled();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var cluster = await ClusterFixture.StartAsync();
        await cluster.CreateIstioCrdsAsync();
        // Installed with the control plane on a cluster: its CA keeps its keys in a Secret there.
        await cluster.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "istio-system" } }, cancellationToken: timeout.Token);
        await cluster.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "reviews", NamespaceProperty = "default" },
            Spec = new V1ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "reviews" }, Ports = [new V1ServicePort { Name = "http", Port = 9080 }] },
        }, "default", cancellationToken: timeout.Token);
        await cluster.Kubectl.SucceedWithInputAsync("""
            apiVersion: networking.istio.io/v1beta1
            kind: VirtualService
            metadata: { name: reviews, namespace: default }
            spec:
              hosts: [reviews]
              http:
              - timeout: 3s
                route:
                - destination: { host: reviews }
            """, "apply", "-f", "-");

        await using var server = ControlPlaneServer.Create(new ControlPlaneOptions
        {
            Kubernetes = new KubernetesOptions { KubeconfigPath = cluster.Kubeconfig },
            GrpcPort = 0, HttpPort = 0, Debounce = TimeSpan.FromMilliseconds(10),
            AllowAnonymousDiscovery = true,
        }, TimeProvider.System, _ => { });
        await server.StartAsync(timeout.Token);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}");
        var client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel);
        using var call = client.StreamResources(cancellationToken: timeout.Token);
        await using var responses = call.ResponseStream.ReadAllAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = TestNodes.Sidecar("productpage-v1"), TypeUrl = TypeUrls.Cluster }, timeout.Token);

        var initial = new List<DiscoveryResponse>();
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            Assert.True(await responses.MoveNextAsync());
            initial.Add(responses.Current);
            await call.RequestStream.WriteAsync(new DiscoveryRequest { TypeUrl = responses.Current.TypeUrl, VersionInfo = responses.Current.VersionInfo, ResponseNonce = responses.Current.Nonce }, timeout.Token);
        }

        var clusters = string.Join("\n", initial[0].Resources.Select(r => r.Unpack<Cluster>().ToString()));
        Assert.Contains("reviews.default.svc.cluster.local", clusters);
        // The VirtualService applied at v1beta1 shapes the route: its timeout reaches the proxy.
        var routes = string.Join("\n", initial[3].Resources.Select(r => r.Unpack<RouteConfiguration>().ToString()));
        Assert.Contains("reviews.default.svc.cluster.local", routes);
        Assert.Contains("\"timeoutMs\": 3000", routes);

        using var http = new HttpClient();
        var informerz = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{server.HttpPort}/debug/informerz", timeout.Token)).RootElement;
        var informers = informerz.GetProperty("informers").EnumerateArray().ToList();
        Assert.Contains(informers, i => i.GetProperty("name").GetString() == "networking.istio.io/v1/virtualservices" && i.GetProperty("synced").GetBoolean() && i.GetProperty("objects").GetInt32() == 1);
        Assert.Contains(informers, i => i.GetProperty("name").GetString() == "v1/services" && i.GetProperty("objects").GetInt32() >= 1);
        Assert.All(informers, i => Assert.True(i.GetProperty("synced").GetBoolean()));
    }
}
