using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Tests.Translation;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;
using Mesh.Security;
using Mesh.ControlPlane.Discovery;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>
/// Kubernetes Services, EndpointSlices and Pods through the model and translation: the same Istio routing over them
/// gives what the folder source gives over the equivalent ServiceEntry and WorkloadEntries; and the model's merge
/// rules (a Service owns its host, a WorkloadEntry before a Pod, ServiceEntries select pods).
/// </summary>
public sealed class RegistryTranslationTests
{
    private const string ReviewsHost = "reviews.bookinfo.svc.cluster.local";

    // Istio's routing, written against short names, the same for both sources.
    private const string Routing = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews, namespace: bookinfo }
        spec:
          hosts: [reviews]
          http:
          - route:
            - { destination: { host: reviews, subset: v1 }, weight: 80 }
            - { destination: { host: reviews, subset: v2 }, weight: 20 }
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews, namespace: bookinfo }
        spec:
          host: reviews
          subsets:
          - { name: v1, labels: { version: v1 } }
          - { name: v2, labels: { version: v2 } }
        """;

    private static readonly string[] Cluster =
    [
        """
        apiVersion: v1
        kind: Service
        metadata: { name: reviews, namespace: bookinfo }
        spec:
          clusterIP: 10.96.0.20
          selector: { app: reviews }
          ports: [{ name: http, port: 9080, targetPort: 9080 }]
        ---
        apiVersion: v1
        kind: Service
        metadata: { name: productpage, namespace: bookinfo }
        spec:
          clusterIP: 10.96.0.10
          selector: { app: productpage }
          ports: [{ name: http, port: 9080, targetPort: 9080 }]
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: reviews-x1, namespace: bookinfo, labels: { kubernetes.io/service-name: reviews } }
        addressType: IPv4
        ports: [{ name: http, port: 9080, protocol: TCP }]
        endpoints:
        - { addresses: [10.0.0.11], conditions: { ready: true }, targetRef: { kind: Pod, name: reviews-v1, namespace: bookinfo } }
        - { addresses: [10.0.0.12], conditions: { ready: true }, targetRef: { kind: Pod, name: reviews-v2, namespace: bookinfo } }
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: productpage-x1, namespace: bookinfo, labels: { kubernetes.io/service-name: productpage } }
        addressType: IPv4
        ports: [{ name: http, port: 9080, protocol: TCP }]
        endpoints:
        - { addresses: [10.0.0.10], conditions: { ready: true }, targetRef: { kind: Pod, name: productpage-v1, namespace: bookinfo } }
        """,
        // Injected pods carry Istio's tlsMode label (auto mTLS); the canonical labels come from the registry.
        KubeYaml.Pod("productpage-v1", "10.0.0.10", "{ app: productpage, version: v1, security.istio.io/tlsMode: istio }", "bookinfo-productpage", "bookinfo"),
        KubeYaml.Pod("reviews-v1", "10.0.0.11", "{ app: reviews, version: v1, security.istio.io/tlsMode: istio }", "bookinfo-reviews", "bookinfo"),
        KubeYaml.Pod("reviews-v2", "10.0.0.12", "{ app: reviews, version: v2, security.istio.io/tlsMode: istio }", "bookinfo-reviews", "bookinfo"),
    ];

    // The folder's equivalent: a ServiceEntry per Service, a WorkloadEntry per pod, with the labels a pod ends up with.
    private const string Folder = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: reviews, namespace: bookinfo }
        spec:
          hosts: [reviews.bookinfo.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 9080, name: http, protocol: HTTP, targetPort: 9080 }]
          resolution: STATIC
          workloadSelector: { labels: { app: reviews } }
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: productpage, namespace: bookinfo }
        spec:
          hosts: [productpage.bookinfo.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 9080, name: http, protocol: HTTP, targetPort: 9080 }]
          resolution: STATIC
          workloadSelector: { labels: { app: productpage } }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: productpage-v1, namespace: bookinfo }
        spec:
          address: 10.0.0.10
          ports: { http: 9080 }
          labels: { app: productpage, version: v1, security.istio.io/tlsMode: istio, service.istio.io/canonical-name: productpage, service.istio.io/canonical-revision: v1 }
          serviceAccount: bookinfo-productpage
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: reviews-v1, namespace: bookinfo }
        spec:
          address: 10.0.0.11
          ports: { http: 9080 }
          labels: { app: reviews, version: v1, security.istio.io/tlsMode: istio, service.istio.io/canonical-name: reviews, service.istio.io/canonical-revision: v1 }
          serviceAccount: bookinfo-reviews
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: reviews-v2, namespace: bookinfo }
        spec:
          address: 10.0.0.12
          ports: { http: 9080 }
          labels: { app: reviews, version: v2, security.istio.io/tlsMode: istio, service.istio.io/canonical-name: reviews, service.istio.io/canonical-revision: v2 }
          serviceAccount: bookinfo-reviews
        """;

    private static readonly Node ProductPage = TestNodes.Sidecar("productpage-v1", "bookinfo");
    private static readonly Node ReviewsV1 = TestNodes.Sidecar("reviews-v1", "bookinfo");

    internal static MeshSnapshot FromCluster(string[] kubernetes, params string[] istio)
    {
        var loaded = IstioConfigLoader.LoadText(string.Join("\n---\n", istio), "test.yaml");
        Assert.True(loaded.Errors.Count == 0, string.Join("\n", loaded.Errors));
        return MeshSnapshotBuilder.Build(1, loaded.Resources, registry: KubernetesRegistry.Build(KubeYaml.Objects(kubernetes), "cluster.local"));
    }

    [Fact]
    public void Translate_BookinfoSplitOverKubernetes_SameAsOverServiceEntryAndWorkloadEntries()
    {
        var fromCluster = FromCluster(Cluster, Routing);
        var fromFolder = Simulation.Load(Routing, Folder);

        foreach (var node in (Node[])[ProductPage, ReviewsV1])
        {
            Assert.Equal(Generated(node, fromFolder), Generated(node, fromCluster));
        }
    }

    [Fact]
    public void Translate_BookinfoSplitOverKubernetes_RoutesTheSplitToTheVersionedPods()
    {
        var sim = Simulation.Of(FromCluster(Cluster, Routing), ProductPage);

        var outcome = sim.Request("reviews:9080");
        Assert.NotNull(outcome);
        Assert.Equal(
            [($"outbound|9080|v1|{ReviewsHost}", 80u), ($"outbound|9080|v2|{ReviewsHost}", 20u)],
            outcome.Route.Route_.Clusters.Select(c => (c.Name, c.Weight)));
        var v1 = Assert.Single(sim.Endpoints($"outbound|9080|v1|{ReviewsHost}").Endpoints);
        Assert.Equal(("10.0.0.11", 9080u, "reviews-v1", "bookinfo-reviews"), (v1.Address, v1.Port, v1.WorkloadName, v1.ServiceAccount));
        Assert.Equal("reviews", v1.Labels[PodWorkloads.CanonicalNameLabel]);
        Assert.Equal("v1", v1.Labels[PodWorkloads.CanonicalRevisionLabel]);
        Assert.Equal("10.0.0.12", Assert.Single(sim.Endpoints($"outbound|9080|v2|{ReviewsHost}").Endpoints).Address);
        Assert.Equal(UpstreamTlsMode.IstioMutual, sim.Cluster($"outbound|9080|v1|{ReviewsHost}").Tls.Mode);
        Assert.Equal(["spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews"], sim.Cluster($"outbound|9080||{ReviewsHost}").Tls.SubjectAltNames);
    }

    [Fact]
    public void Translate_PodWithoutSidecar_GetsPlaintext()
    {
        var uninjected = Cluster.Select(y => y.Replace("{ app: reviews, version: v1, security.istio.io/tlsMode: istio }", "{ app: reviews, version: v1 }", StringComparison.Ordinal)).ToArray();
        var sim = Simulation.Of(FromCluster(uninjected, Routing), ProductPage);

        Assert.Null(sim.Cluster($"outbound|9080|v1|{ReviewsHost}").Tls);
        Assert.Equal(UpstreamTlsMode.IstioMutual, sim.Cluster($"outbound|9080|v2|{ReviewsHost}").Tls.Mode);
    }

    [Fact]
    public void ProxyContext_SidecarOfAPod_FindsItsWorkload()
    {
        var snapshot = FromCluster(Cluster);
        var proxy = new ProxyContext(ReviewsV1, snapshot);

        Assert.NotNull(proxy.Workload);
        Assert.Equal("10.0.0.11", proxy.Workload.Address);
        Assert.Equal("v1", proxy.Labels["version"]);
        Assert.Equal("reviews", proxy.Labels[PodWorkloads.CanonicalNameLabel]);
    }

    [Fact]
    public void NodeAuthorization_SidecarOfAPod_OnlyItsServiceAccountMayClaimIt()
    {
        var snapshot = FromCluster(Cluster);

        Assert.Null(NodeAuthorization.Check(ReviewsV1, new SpiffeId("cluster.local", "bookinfo", "bookinfo-reviews"), snapshot));
        Assert.Contains("runs as service account 'bookinfo-reviews'",
            NodeAuthorization.Check(ReviewsV1, new SpiffeId("cluster.local", "bookinfo", "bookinfo-productpage"), snapshot));
    }

    [Fact]
    public void Translate_NamedTargetPort_InboundListensWhereTheSliceSends()
    {
        var snapshot = FromCluster([
            """
            apiVersion: v1
            kind: Service
            metadata: { name: web, namespace: default }
            spec:
              clusterIP: 10.96.0.40
              ports: [{ name: http, port: 80, targetPort: web }]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: web-x1, namespace: default, labels: { kubernetes.io/service-name: web } }
            addressType: IPv4
            ports: [{ name: http, port: 8080, protocol: TCP }]
            endpoints:
            - { addresses: [10.0.0.50], targetRef: { kind: Pod, name: web-1, namespace: default } }
            """,
            KubeYaml.Pod("web-1", "10.0.0.50", "{ app: web }", ports: "[{ name: web, containerPort: 8080 }]"),
        ]);
        var web = Simulation.Of(snapshot, TestNodes.Sidecar("web-1"));
        var client = Simulation.Of(snapshot, TestNodes.Sidecar("someone-else"));

        Assert.Equal([8080u], web.Resources.Listeners.Where(l => l.Direction == TrafficDirection.Inbound).Select(l => l.Port));
        var endpoint = Assert.Single(client.Endpoints("outbound|80||web.default.svc.cluster.local").Endpoints);
        Assert.Equal(("10.0.0.50", 8080u), (endpoint.Address, endpoint.Port));
    }

    [Fact]
    public void Build_ServiceEntryForAKubernetesServiceHost_TheServiceKeepsIt()
    {
        var squatting = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: squat, namespace: aaa }
            spec:
              hosts: [reviews.bookinfo.svc.cluster.local]
              location: MESH_EXTERNAL
              ports: [{ number: 443, name: tls, protocol: TLS }]
              resolution: DNS
            """;
        var snapshot = FromCluster(Cluster, squatting);

        var service = snapshot.FindService(ReviewsHost);
        Assert.NotNull(service);
        Assert.Equal(("bookinfo", "reviews", 9080u), (service.Namespace, service.ServiceEntryName, Assert.Single(service.Ports).Number));
        Assert.Single(snapshot.Services, s => s.Hostname == ReviewsHost);
    }

    [Fact]
    public void Build_WorkloadEntryAndPodOfTheSameName_TheWorkloadEntryIsTheWorkload()
    {
        var entry = """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: { name: reviews-v1, namespace: bookinfo }
            spec: { address: 127.0.0.7, labels: { app: reviews, version: vm } }
            """;
        var snapshot = FromCluster(Cluster, entry);

        Assert.Equal("127.0.0.7", snapshot.FindWorkloadEntry("bookinfo", "reviews-v1")!.Address);
        Assert.Equal("10.0.0.12", snapshot.FindWorkloadEntry("bookinfo", "reviews-v2")!.Address);
    }

    [Fact]
    public void Build_ServiceEntryWorkloadSelector_SelectsPodsOfItsNamespace()
    {
        var entry = """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: reviews-mesh, namespace: bookinfo }
            spec:
              hosts: [reviews.mesh.internal]
              location: MESH_INTERNAL
              ports: [{ number: 80, name: http, protocol: HTTP, targetPort: 9080 }]
              resolution: STATIC
              workloadSelector: { labels: { app: reviews } }
            """;
        var snapshot = FromCluster(Cluster, entry);

        var service = snapshot.FindService("reviews.mesh.internal")!;
        Assert.Equal(["10.0.0.11", "10.0.0.12"], service.Workloads.Select(w => w.Address).Order(StringComparer.Ordinal));
        // The pod's named container port "http" serves the ServiceEntry's port named http, as Istio maps it.
        Assert.All(service.Workloads, w => Assert.Equal(9080u, w.PortFor(service.Ports[0])));
    }

    [Fact]
    public void Build_NoRegistry_SameSnapshotAsBefore()
    {
        var withEmpty = MeshSnapshotBuilder.Build(1, IstioConfigLoader.LoadText(Folder, "f.yaml").Resources, registry: PlatformRegistry.Empty);

        Assert.Equal(Generated(ProductPage, Simulation.Load(Folder)), Generated(ProductPage, withEmpty));
        Assert.Empty(withEmpty.PlatformServices);
    }

    /// <summary>All four types of a proxy's configuration as bytes, for comparison.</summary>
    internal static string Generated(Node node, MeshSnapshot snapshot)
    {
        var resources = ProxyConfigGenerator.Generate(node, snapshot);
        var text = new System.Text.StringBuilder();
        foreach (var typeUrl in TypeUrls.PushOrder)
        {
            foreach (var resource in resources.OfType(typeUrl)) text.Append(typeUrl).Append(' ').Append(JsonFormatter.Default.Format(resource)).Append('\n');
        }
        return text.ToString();
    }
}
