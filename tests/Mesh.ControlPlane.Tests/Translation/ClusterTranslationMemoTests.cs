using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Clusters carried from one snapshot to the next (<see cref="ClusterTranslationMemo"/>): what a proxy receives must be
/// byte for byte what a fresh build of the new snapshot gives, whatever was carried; what did not change is carried.
/// </summary>
public sealed class ClusterTranslationMemoTests
{
    private const string FrontendCluster = "outbound|80||frontend.default.svc.cluster.local";
    private const string BackendV1Cluster = "outbound|9080|v1|backend.default.svc.cluster.local";

    private static readonly Node Frontend = TestNodes.Sidecar("frontend-v1", "default");

    private static string Workload(string name, string address, string version, string serviceAccount = "backend") => $$"""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: {{name}}, namespace: default }
        spec:
          address: {{address}}
          ports: { http: 17002 }
          labels: { app: backend, version: {{version}} }
          serviceAccount: {{serviceAccount}}
        """;

    private const string MeshWidePlaintext = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: default, namespace: istio-system }
        spec: { mtls: { mode: DISABLE } }
        """;

    [Fact]
    public void Carry_AnEndpointAdded_OnlyItsServicesClustersAreBuiltAgain()
    {
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets);

        var (first, second) = GenerateCarried(before, [.. before, .. IstioYaml.Load(Workload("backend-v3", "127.0.0.4", "v1"))], Frontend);

        Assert.Same(Cluster(first, FrontendCluster), Cluster(second, FrontendCluster));
        Assert.Same(Assignment(first, FrontendCluster), Assignment(second, FrontendCluster));
        Assert.NotSame(Assignment(first, BackendV1Cluster), Assignment(second, BackendV1Cluster));
        Assert.Equal(2, Assignment(second, BackendV1Cluster).Endpoints.Count);
    }

    [Theory]
    [InlineData("labels")]
    [InlineData("serviceAccount")]
    public void Carry_AWorkloadEdited_ItsServicesClustersFollow(string edited)
    {
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets);
        var backendV1 = edited == "labels" ? Workload("backend-v1", "127.0.0.2", "v2") : Workload("backend-v1", "127.0.0.2", "v1", "backend-canary");

        var (first, second) = GenerateCarried(before, IstioYaml.Replace(before, backendV1), Frontend);

        Assert.Same(Cluster(first, FrontendCluster), Cluster(second, FrontendCluster));
        Assert.NotSame(Cluster(first, BackendV1Cluster), Cluster(second, BackendV1Cluster));
    }

    [Fact]
    public void Carry_TheDestinationRuleEdited_ItsServicesClustersFollow()
    {
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets);
        var edited = DemoYaml.BackendSubsets.Replace("name: v1", "name: v1\n    trafficPolicy: { connectionPool: { tcp: { connectTimeout: 3s } } }", StringComparison.Ordinal);

        var (first, second) = GenerateCarried(before, IstioYaml.Replace(before, edited), Frontend);

        Assert.Same(Cluster(first, FrontendCluster), Cluster(second, FrontendCluster));
        Assert.Equal(3000u, Cluster(second, BackendV1Cluster).ConnectTimeoutMs);
    }

    [Fact]
    public void Carry_APeerAuthenticationAdded_NothingIsCarried()
    {
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets);

        var (first, second) = GenerateCarried(before, [.. before, .. IstioYaml.Load(MeshWidePlaintext)], Frontend);

        Assert.NotNull(Cluster(first, FrontendCluster).Tls);
        Assert.Null(Cluster(second, FrontendCluster).Tls);
    }

    [Fact]
    public void Carry_AGatewaysClusters_NeverCarried()
    {
        // A gateway's clusters read client credentials (Secrets, files), which the memo does not follow.
        var before = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets);

        var (first, second) = GenerateCarried(before, [.. before, .. IstioYaml.Load(Workload("backend-v3", "127.0.0.4", "v1"))], TestNodes.Router());

        Assert.NotSame(Cluster(first, FrontendCluster), Cluster(second, FrontendCluster));
    }

    [Theory]
    [InlineData(8, true)]
    [InlineData(9, false)]
    public void Carry_SnapshotsThatBuildNoClusters_CarryThemAFewSnapshots_ThenDropThem(int snapshotsWithoutClusters, bool carried)
    {
        var resources = IstioYaml.Load(DemoYaml.Workloads, DemoYaml.BackendSubsets);
        var previous = MeshSnapshotBuilder.Build(1, resources);
        var built = Cluster(ProxyConfigGenerator.Generate(Frontend, previous), FrontendCluster);
        // Route changes: snapshots that build no clusters, each carried from the one before.
        for (var version = 2; version <= snapshotsWithoutClusters + 1; version++)
        {
            var next = MeshSnapshotBuilder.Build(version, resources);
            ClusterTranslationMemo.Carry(previous, next);
            ProxyConfigGenerator.Generate(Frontend, next, ResourceTypes.Routes);
            previous = next;
        }
        var last = MeshSnapshotBuilder.Build(snapshotsWithoutClusters + 2, resources);
        ClusterTranslationMemo.Carry(previous, last);

        var cluster = Cluster(ProxyConfigGenerator.Generate(Frontend, last), FrontendCluster);

        Assert.Equal(carried, ReferenceEquals(built, cluster));
    }

    /// <summary>Generates for the two snapshots, the second carried from the first; the second must be a fresh build's, byte for byte.</summary>
    private static (ProxyResources First, ProxyResources Second) GenerateCarried(List<IstioResource> before, List<IstioResource> after, Node node)
    {
        var first = MeshSnapshotBuilder.Build(1, before);
        var firstResources = ProxyConfigGenerator.Generate(node, first);
        var second = MeshSnapshotBuilder.Build(2, after);
        ClusterTranslationMemo.Carry(first, second);
        var secondResources = ProxyConfigGenerator.Generate(node, second);

        var fresh = ProxyConfigGenerator.Generate(node, MeshSnapshotBuilder.Build(2, after));
        Assert.Equal(ResourceBytes.Of(fresh, TypeUrls.Cluster), ResourceBytes.Of(secondResources, TypeUrls.Cluster));
        Assert.Equal(ResourceBytes.Of(fresh, TypeUrls.Endpoints), ResourceBytes.Of(secondResources, TypeUrls.Endpoints));
        return (firstResources, secondResources);
    }

    private static Cluster Cluster(ProxyResources resources, string name) => Assert.Single(resources.Clusters, c => c.Name == name);

    private static ClusterLoadAssignment Assignment(ProxyResources resources, string name) => Assert.Single(resources.Endpoints, c => c.ClusterName == name);
}
