using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Model;
using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>
/// The registry from Kubernetes objects, rule by rule as Istio's Kubernetes registry applies them: service hosts and
/// ports, resolution by service type, exportTo, endpoints from EndpointSlices, and pods as workloads.
/// </summary>
public sealed class RegistryTests
{
    private const string Reviews = """
        apiVersion: v1
        kind: Service
        metadata: { name: reviews, namespace: bookinfo, labels: { app: reviews } }
        spec:
          clusterIP: 10.96.0.20
          selector: { app: reviews }
          ports:
          - { name: http, port: 9080, targetPort: 9080 }
          - { name: metrics, port: 9090, targetPort: metrics }
          - { name: dns, port: 53, protocol: UDP }
        """;

    private const string ReviewsSlice = """
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: { name: reviews-abcde, namespace: bookinfo, labels: { kubernetes.io/service-name: reviews } }
        addressType: IPv4
        ports:
        - { name: http, port: 9080, protocol: TCP }
        - { name: metrics, port: 15090, protocol: TCP }
        endpoints:
        - addresses: [10.0.0.11]
          conditions: { ready: true, serving: true, terminating: false }
          targetRef: { kind: Pod, name: reviews-v1, namespace: bookinfo }
        - addresses: [10.0.0.12]
          conditions: { ready: false, serving: true, terminating: true }
          targetRef: { kind: Pod, name: reviews-v2, namespace: bookinfo }
        - addresses: [10.0.0.13]
          conditions: { ready: false, serving: false, terminating: false }
          targetRef: { kind: Pod, name: reviews-v3, namespace: bookinfo }
        - addresses: [10.0.0.14]
        """;

    private static readonly string ReviewsV1 = KubeYaml.Pod("reviews-v1", "10.0.0.11", "{ app: reviews, version: v1 }", "bookinfo-reviews", "bookinfo");
    private static readonly string ReviewsV2 = KubeYaml.Pod("reviews-v2", "10.0.0.12", "{ app: reviews, version: v2 }", "bookinfo-reviews", "bookinfo");
    private static readonly string ReviewsV3 = KubeYaml.Pod("reviews-v3", "10.0.0.13", "{ app: reviews, version: v3 }", "bookinfo-reviews", "bookinfo");

    private static PlatformRegistry Build(params string[] yaml) => KubernetesRegistry.Build(KubeYaml.Objects(yaml), "cluster.local");

    [Fact]
    public void Build_ClusterIpService_IsAStaticMeshInternalServiceAtItsClusterHost()
    {
        var service = Assert.Single(Build(Reviews).Services);

        Assert.Equal("reviews.bookinfo.svc.cluster.local", service.Hostname);
        Assert.Equal("bookinfo", service.Namespace);
        Assert.Equal("reviews", service.ServiceEntryName);
        Assert.Equal(ServiceEntryResolution.Static, service.Resolution);
        Assert.Equal(ServiceEntryLocation.MeshInternal, service.Location);
        Assert.Empty(service.ExportTo);
        Assert.Equal(["10.96.0.20"], service.Addresses);
    }

    [Fact]
    public void Build_DualStackService_BothClusterIpsAreItsAddressesAndAChangeChangesItsKey()
    {
        var dualStack = Reviews.Replace("clusterIP: 10.96.0.20", "clusterIP: 10.96.0.20\n  clusterIPs: [10.96.0.20, fd00:10:96::20]", StringComparison.Ordinal);
        var before = Build(Reviews);

        var after = Build(dualStack);

        Assert.Equal(["10.96.0.20", "fd00:10:96::20"], Assert.Single(after.Services).Addresses);
        Assert.Equal([new ConfigKey("Service", "bookinfo", "reviews")], KubernetesRegistry.ChangedKeys(before, after));
    }

    [Fact]
    public void Build_DomainSuffix_NamesTheHost()
    {
        var service = Assert.Single(KubernetesRegistry.Build(KubeYaml.Objects(Reviews), "corp.example").Services);

        Assert.Equal("reviews.bookinfo.svc.corp.example", service.Hostname);
    }

    [Fact]
    public void Build_Ports_KeepNamesNumbersAndTargetPortsAndSkipUdp()
    {
        var service = Assert.Single(Build(Reviews).Services);

        Assert.Equal(
            [new ServicePortModel("http", 9080, "HTTP", 9080), new ServicePortModel("metrics", 9090, "", null) { TargetPortName = "metrics" }],
            service.Ports);
    }

    [Fact]
    public void Build_NamedTargetPort_ResolvedPerEndpointFromTheSlicePortOfTheSameName()
    {
        var service = Assert.Single(Build(Reviews, ReviewsSlice, ReviewsV1).Services);
        var endpoint = Assert.Single(service.Workloads, w => w.Address == "10.0.0.11");

        Assert.Equal(15090u, endpoint.PortFor(service.FindPort(9090)!));
        Assert.Equal(9080u, endpoint.PortFor(service.FindPort(9080)!));
    }

    [Fact]
    public void Build_Endpoints_OnlyReadyAddressesServe()
    {
        var service = Assert.Single(Build(Reviews, ReviewsSlice, ReviewsV1, ReviewsV2, ReviewsV3).Services);

        // 10.0.0.12 is terminating (still serving) and 10.0.0.13 not ready: Istio gives neither new requests.
        // 10.0.0.14 has no conditions, which means ready, and no pod behind it.
        Assert.Equal(["10.0.0.11", "10.0.0.14"], service.Workloads.Select(w => w.Address));
    }

    [Fact]
    public void Build_EndpointOfAPod_CarriesThePodsIdentity()
    {
        var service = Assert.Single(Build(Reviews, ReviewsSlice, ReviewsV1).Services);
        var endpoint = Assert.Single(service.Workloads, w => w.Address == "10.0.0.11");

        Assert.Equal("reviews-v1", endpoint.Name);
        Assert.Equal("reviews-v1", endpoint.WorkloadName);
        Assert.Equal("bookinfo", endpoint.Namespace);
        Assert.Equal("bookinfo-reviews", endpoint.ServiceAccount);
        Assert.Equal(1u, endpoint.Weight);
        Assert.False(endpoint.IsInlineEndpoint);
        Assert.Equal("reviews", endpoint.Labels["app"]);
        Assert.Equal("v1", endpoint.Labels["version"]);
        Assert.Equal(new Dictionary<string, uint> { ["http"] = 9080, ["metrics"] = 15090 }, endpoint.Ports);
    }

    [Fact]
    public void Build_EndpointWithoutPod_IsAnAddressWithNoWorkload()
    {
        var service = Assert.Single(Build(Reviews, ReviewsSlice, ReviewsV1).Services);
        var endpoint = Assert.Single(service.Workloads, w => w.Address == "10.0.0.14");

        Assert.True(endpoint.IsInlineEndpoint);
        Assert.Equal("", endpoint.WorkloadName);
        Assert.Empty(endpoint.Labels);
    }

    [Fact]
    public void Build_EndpointNamingAnUnknownPod_IsSkippedUntilThePodIsSeen()
    {
        // reviews-v1's pod is not listed (yet): Istio waits for it rather than serve an endpoint without its labels.
        var service = Assert.Single(Build(Reviews, ReviewsSlice).Services);

        Assert.Equal(["10.0.0.14"], service.Workloads.Select(w => w.Address));
    }

    [Fact]
    public void Build_AddressInTwoSlices_IsServedOnce()
    {
        var moved = ReviewsSlice.Replace("name: reviews-abcde", "name: reviews-fghij", StringComparison.Ordinal);
        var service = Assert.Single(Build(Reviews, ReviewsSlice, moved, ReviewsV1).Services);

        Assert.Equal(["10.0.0.11", "10.0.0.14"], service.Workloads.Select(w => w.Address));
    }

    [Fact]
    public void Build_TwoPodsAtOneAddress_AreTwoEndpoints()
    {
        // Pods on the host network share their node's address; each is its own endpoint, at its own port.
        const string slices = """
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: reviews-v1, namespace: bookinfo, labels: { kubernetes.io/service-name: reviews } }
            addressType: IPv4
            ports: [{ name: http, port: 9081 }]
            endpoints: [{ addresses: [10.0.0.1], targetRef: { kind: Pod, name: reviews-v1, namespace: bookinfo } }]
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata: { name: reviews-v2, namespace: bookinfo, labels: { kubernetes.io/service-name: reviews } }
            addressType: IPv4
            ports: [{ name: http, port: 9082 }]
            endpoints: [{ addresses: [10.0.0.1], targetRef: { kind: Pod, name: reviews-v2, namespace: bookinfo } }]
            """;
        var onNode = (string pod, string version) => KubeYaml.Pod(pod, "10.0.0.1", $"{{ app: reviews, version: {version} }}", "bookinfo-reviews", "bookinfo");
        var service = Assert.Single(Build([Reviews, .. slices.Split("---\n"), onNode("reviews-v1", "v1"), onNode("reviews-v2", "v2")]).Services);

        Assert.Equal([("reviews-v1", 9081u), ("reviews-v2", 9082u)], service.Workloads.Select(w => (w.Name, w.Ports["http"])).OrderBy(w => w.Item1));
    }

    [Fact]
    public void Build_SliceOfAnotherServiceOrNamespace_IsNotItsEndpoints()
    {
        var otherNamespace = ReviewsSlice.Replace("namespace: bookinfo, labels", "namespace: other, labels", StringComparison.Ordinal);
        var otherService = ReviewsSlice.Replace("service-name: reviews", "service-name: ratings", StringComparison.Ordinal);
        var service = Assert.Single(Build(Reviews, otherNamespace, otherService, ReviewsV1).Services);

        Assert.Empty(service.Workloads);
    }

    [Fact]
    public void Build_HeadlessService_IsPassthroughWithThePodEndpoints()
    {
        var headless = Reviews.Replace("clusterIP: 10.96.0.20", "clusterIP: None", StringComparison.Ordinal);
        var service = Assert.Single(Build(headless, ReviewsSlice, ReviewsV1).Services);

        Assert.Equal(ServiceEntryResolution.None, service.Resolution);
        Assert.Equal(["10.0.0.11", "10.0.0.14"], service.Workloads.Select(w => w.Address));
        Assert.Empty(service.Addresses);
    }

    [Fact]
    public void Build_ExternalNameService_IsDnsToTheExternalNameOnEveryPort()
    {
        var service = Assert.Single(Build("""
            apiVersion: v1
            kind: Service
            metadata: { name: payments, namespace: shop, labels: { team: pay } }
            spec:
              type: ExternalName
              externalName: api.payments.example.com
              ports: [{ name: https, port: 443 }, { name: http, port: 80 }]
            """).Services);

        Assert.Equal("payments.shop.svc.cluster.local", service.Hostname);
        Assert.Equal(ServiceEntryResolution.Dns, service.Resolution);
        Assert.Equal(ServiceEntryLocation.MeshExternal, service.Location);
        var endpoint = Assert.Single(service.Workloads);
        Assert.Equal("api.payments.example.com", endpoint.Address);
        Assert.True(endpoint.IsInlineEndpoint);
        Assert.Equal(443u, endpoint.PortFor(service.FindPort(443)!));
        Assert.Equal(80u, endpoint.PortFor(service.FindPort(80)!));
        Assert.Equal("pay", endpoint.Labels["team"]);
    }

    [Theory]
    [InlineData("'*'", new[] { "*" })]
    [InlineData("'.'", new[] { "." })]
    [InlineData("'bookinfo, istio-system ,'", new[] { "bookinfo", "istio-system" })]
    public void Build_ExportToAnnotation_ListsTheNamespaces(string annotation, string[] expected)
    {
        var annotated = Reviews.Replace("labels: { app: reviews } }", $"labels: {{ app: reviews }}, annotations: {{ networking.istio.io/exportTo: {annotation} }} }}", StringComparison.Ordinal);
        var service = Assert.Single(Build(annotated).Services);

        Assert.Equal(expected, service.ExportTo);
        Assert.Equal(expected.Contains("*") || expected.Contains("istio-system"), HostNames.IsExportedTo(service.ExportTo, "bookinfo", "istio-system"));
        Assert.True(HostNames.IsExportedTo(service.ExportTo, "bookinfo", "bookinfo"));
    }

    [Fact]
    public void Build_Pods_AreWorkloadsByNamespaceAndName()
    {
        var registry = Build(ReviewsV2, ReviewsV1, KubeYaml.Pod("ratings-v1", "10.0.0.21", "{ app: ratings }", ns: "alpha"));

        Assert.Equal(["alpha/ratings-v1", "bookinfo/reviews-v1", "bookinfo/reviews-v2"], registry.Workloads.Select(w => $"{w.Namespace}/{w.Name}"));
        var reviews = registry.Workloads[1];
        Assert.Equal("10.0.0.11", reviews.Address);
        Assert.Equal("bookinfo-reviews", reviews.ServiceAccount);
        Assert.Equal(new Dictionary<string, uint> { ["http"] = 9080 }, reviews.Ports);
        Assert.Equal("default", registry.Workloads[0].ServiceAccount);
    }

    [Fact]
    public void Build_PodWithoutServiceAccount_RunsAsDefault()
    {
        var pod = KubeYaml.Pod("plain", "10.0.0.30", "{ app: plain }").Replace("  serviceAccountName: default\n", "", StringComparison.Ordinal);

        Assert.Equal("default", Assert.Single(Build(pod).Workloads).ServiceAccount);
    }

    [Theory]
    [InlineData("Pending", "10.0.0.31", true)]
    [InlineData("Running", "10.0.0.31", true)]
    [InlineData("Succeeded", "10.0.0.31", false)]
    [InlineData("Failed", "10.0.0.31", false)]
    [InlineData("Pending", "''", false)]
    public void Build_Pod_IsAWorkloadWhileItHasAnIpAndHasNotTerminated(string phase, string ip, bool expected)
    {
        var registry = Build(KubeYaml.Pod("job", ip, "{ app: job }", phase: phase));

        Assert.Equal(expected, registry.Workloads.Count == 1);
        Assert.Equal(expected, registry.Keys.ContainsKey(new ConfigKey("Pod", "default", "job")));
    }

    [Fact]
    public void Build_PodPorts_AreTheNamedPortsOfItsApplicationContainers()
    {
        var pod = KubeYaml.Pod("web", "10.0.0.32", "{ app: web }",
            ports: "[{ name: http-web, containerPort: 8080 }, { containerPort: 8443 }]",
            // The injected sidecar's own port is not the application's.
            extraSpec: "- name: istio-proxy\n  image: proxy\n  ports: [{ name: http-envoy-prom, containerPort: 15090 }]");
        var workload = Assert.Single(Build(pod).Workloads);

        Assert.Equal(new Dictionary<string, uint> { ["http-web"] = 8080 }, workload.Ports);
    }

    [Fact]
    public void Build_CanonicalLabels_DefaultAsIstioDoes()
    {
        var registry = Build(
            KubeYaml.Pod("explicit", "10.0.1.1", "{ app: a, version: v1, service.istio.io/canonical-name: shop, service.istio.io/canonical-revision: r7 }"),
            KubeYaml.Pod("k8s-names", "10.0.1.2", "{ app: a, version: v1, app.kubernetes.io/name: storefront, app.kubernetes.io/version: '2.1' }"),
            KubeYaml.Pod("istio-names", "10.0.1.3", "{ app: a, version: v1 }"),
            KubeYaml.Pod("bare-abcde", "10.0.1.4", "{ pod-template-hash: 5d8f7b }",
                extraMetadata: "ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: bare-5d8f7b, uid: u1, controller: true }]"));

        string Label(string pod, string key) => registry.Workloads.Single(w => w.Name == pod).Labels[key];
        Assert.Equal(("shop", "r7"), (Label("explicit", PodWorkloads.CanonicalNameLabel), Label("explicit", PodWorkloads.CanonicalRevisionLabel)));
        Assert.Equal(("storefront", "2.1"), (Label("k8s-names", PodWorkloads.CanonicalNameLabel), Label("k8s-names", PodWorkloads.CanonicalRevisionLabel)));
        Assert.Equal(("a", "v1"), (Label("istio-names", PodWorkloads.CanonicalNameLabel), Label("istio-names", PodWorkloads.CanonicalRevisionLabel)));
        // No app label: the workload (the Deployment behind the ReplicaSet), revision "latest".
        Assert.Equal(("bare", "latest"), (Label("bare-abcde", PodWorkloads.CanonicalNameLabel), Label("bare-abcde", PodWorkloads.CanonicalRevisionLabel)));
    }

    [Theory]
    [InlineData("", "standalone")]
    [InlineData("ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: reviews-v1-5d8f7b, uid: u1, controller: true }]", "reviews-v1")]
    [InlineData("ownerReferences: [{ apiVersion: apps/v1, kind: ReplicaSet, name: handmade, uid: u1, controller: true }]", "handmade")]
    [InlineData("ownerReferences: [{ apiVersion: apps/v1, kind: StatefulSet, name: db, uid: u1, controller: true }]", "db")]
    [InlineData("ownerReferences: [{ apiVersion: batch/v1, kind: Job, name: nightly-28912345, uid: u1, controller: true }]", "nightly")]
    [InlineData("ownerReferences: [{ apiVersion: batch/v1, kind: Job, name: migrate, uid: u1, controller: true }]", "migrate")]
    [InlineData("ownerReferences: [{ apiVersion: v1, kind: ConfigMap, name: not-a-controller, uid: u1 }]", "standalone")]
    public void Build_WorkloadName_IsTheControllerIstioReports(string owners, string expected)
    {
        var workload = Assert.Single(Build(KubeYaml.Pod("standalone", "10.0.1.5", "{ pod-template-hash: 5d8f7b }", extraMetadata: owners)).Workloads);

        Assert.Equal("standalone", workload.Name);
        Assert.Equal(expected, workload.WorkloadName);
    }

    private const string Node = """
        apiVersion: v1
        kind: Node
        metadata:
          name: node-a
          labels: { topology.kubernetes.io/region: eu-west1, topology.kubernetes.io/zone: eu-west1-b, topology.istio.io/subzone: rack7 }
        """;

    [Fact]
    public void Build_Locality_ComesFromTheNodesTopologyLabels()
    {
        var pod = KubeYaml.Pod("reviews-v1", "10.0.0.11", "{ app: reviews }", ns: "bookinfo", extraSpec: "nodeName: node-a");
        var registry = Build(Node, pod, Reviews, ReviewsSlice);

        Assert.Equal("eu-west1/eu-west1-b/rack7", Assert.Single(registry.Workloads).Locality);
        Assert.Equal("eu-west1/eu-west1-b/rack7", registry.Services[0].Workloads.Single(w => w.Name == "reviews-v1").Locality);
    }

    [Fact]
    public void Build_IstioLocalityLabel_WinsOverTheNode()
    {
        var pod = KubeYaml.Pod("reviews-v1", "10.0.0.11", "{ app: reviews, istio-locality: us-east1.us-east1-c }", ns: "bookinfo", extraSpec: "nodeName: node-a");

        Assert.Equal("us-east1/us-east1-c", Assert.Single(Build(Node, pod).Workloads).Locality);
    }

    [Fact]
    public void Build_NodeWithoutTopology_GivesNoLocality()
    {
        var pod = KubeYaml.Pod("reviews-v1", "10.0.0.11", "{ app: reviews }", extraSpec: "nodeName: node-b");
        var node = "apiVersion: v1\nkind: Node\nmetadata: { name: node-b, labels: { kubernetes.io/hostname: node-b } }";

        Assert.Equal("", Assert.Single(Build(node, pod).Workloads).Locality);
    }

    [Fact]
    public void Build_Keys_NameEveryServiceAndPod()
    {
        var registry = Build(Reviews, ReviewsSlice, ReviewsV1, ReviewsV2);

        Assert.Equal(
            [new ConfigKey("Pod", "bookinfo", "reviews-v1"), new ConfigKey("Pod", "bookinfo", "reviews-v2"), new ConfigKey("Service", "bookinfo", "reviews")],
            registry.Keys.Keys.OrderBy(k => k.ToString(), StringComparer.Ordinal));
        Assert.All(registry.Keys.Values, hash => Assert.Matches("^[0-9a-f]{32}$", hash));
    }

    [Fact]
    public void ChangedKeys_SameObjects_NoneChanged()
    {
        var before = Build(Reviews, ReviewsSlice, ReviewsV1, ReviewsV2);
        var after = Build(ReviewsV2, ReviewsV1, ReviewsSlice, Reviews);

        Assert.Empty(KubernetesRegistry.ChangedKeys(before, after));
    }

    [Fact]
    public void ChangedKeys_PodLabelEdited_ThePodAndTheServiceItServes()
    {
        var before = Build(Reviews, ReviewsSlice, ReviewsV1, ReviewsV2);
        var after = Build(Reviews, ReviewsSlice, ReviewsV1.Replace("version: v1", "version: v1b", StringComparison.Ordinal), ReviewsV2);

        Assert.Equal(
            new HashSet<ConfigKey> { new("Pod", "bookinfo", "reviews-v1"), new("Service", "bookinfo", "reviews") },
            KubernetesRegistry.ChangedKeys(before, after));
    }

    [Fact]
    public void ChangedKeys_EndpointBecomesReady_OnlyTheService()
    {
        var before = Build(Reviews, ReviewsSlice, ReviewsV1, ReviewsV3);
        var after = Build(Reviews, ReviewsSlice.Replace("{ ready: false, serving: false, terminating: false }", "{ ready: true }", StringComparison.Ordinal), ReviewsV1, ReviewsV3);

        Assert.Equal(new HashSet<ConfigKey> { new("Service", "bookinfo", "reviews") }, KubernetesRegistry.ChangedKeys(before, after));
    }

    [Fact]
    public void ChangedKeys_AddedAndRemoved_AreChanged()
    {
        var before = Build(Reviews, ReviewsV1);
        var after = Build(ReviewsV2);

        Assert.Equal(
            new HashSet<ConfigKey> { new("Service", "bookinfo", "reviews"), new("Pod", "bookinfo", "reviews-v1"), new("Pod", "bookinfo", "reviews-v2") },
            KubernetesRegistry.ChangedKeys(before, after));
    }

    [Fact]
    public void ChangedKeys_ServiceFieldTheModelIgnores_NotChanged()
    {
        var before = Build(Reviews);
        var after = Build(Reviews.Replace("labels: { app: reviews } }", "labels: { app: reviews, team: books } }", StringComparison.Ordinal));

        Assert.Empty(KubernetesRegistry.ChangedKeys(before, after));
    }
}
