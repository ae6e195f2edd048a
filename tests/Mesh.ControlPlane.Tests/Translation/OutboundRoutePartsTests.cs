using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A sidecar's outbound routes in parts (<see cref="OutboundRouteParts"/>): one per destination namespace, a large
/// namespace split by host, so that a change resends about 16 services' virtual hosts rather than a namespace's.
/// </summary>
public sealed class OutboundRoutePartsTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(16, 1)]
    [InlineData(17, 2)]
    [InlineData(32, 2)]
    [InlineData(33, 4)]
    [InlineData(100, 8)]
    [InlineData(1000, 64)]
    public void BucketCount_IsOneUpToSixteenServices_ThenThePowerOfTwoKeepingTheAverageAtSixteen(int services, int buckets) =>
        Assert.Equal(buckets, OutboundRouteParts.BucketCount(services));

    [Fact]
    public void BucketOf_IsFixedAcrossProcesses_AndSpreadsSimilarNames()
    {
        // A literal: string hashing would differ per process, and so would every proxy's parts after a restart.
        Assert.Equal(OutboundRouteParts.BucketOf("svc-7.shop.svc.cluster.local", 1024), OutboundRouteParts.BucketOf(new string("svc-7.shop.svc.cluster.local"), 1024));
        Assert.Equal(369, OutboundRouteParts.BucketOf("svc-7.shop.svc.cluster.local", 1024));

        var perBucket = new int[8];
        for (var i = 0; i < 100; i++) perBucket[OutboundRouteParts.BucketOf($"svc-{i}.shop.svc.cluster.local", 8)]++;
        Assert.All(perBucket, count => Assert.InRange(count, 6, 25));
    }

    [Fact]
    public void Generate_LargeNamespace_SplitIntoBuckets_EachServiceWithAllItsPortsInOne_SmallNamespaceWhole()
    {
        var snapshot = MeshSnapshotBuilder.Build(1, Load(DemoYaml.Workloads, ServiceEntries("shop", 40)));

        var routes = ProxyConfigGenerator.Generate(TestNodes.Sidecar("frontend-v1"), snapshot).Routes;

        var shopParts = routes.Where(r => r.Name.StartsWith("outbound/shop/", StringComparison.Ordinal)).ToList();
        Assert.InRange(shopParts.Count, 2, 4);
        Assert.All(shopParts, part => Assert.Equal("outbound", part.PartOf));
        Assert.All(shopParts, part => Assert.NotEmpty(part.VirtualHosts));
        Assert.DoesNotContain(routes, r => r.Name == "outbound/shop");
        var partOfHost = shopParts.SelectMany(part => part.VirtualHosts.Select(host => (host.Name, part.Name))).ToDictionary();
        Assert.Equal(80, partOfHost.Count);
        for (var i = 0; i < 40; i++)
        {
            var host = $"svc-{i}.shop.svc.cluster.local";
            Assert.Equal(partOfHost[$"{host}:80"], partOfHost[$"{host}:8080"]);
            Assert.Equal($"outbound/shop/{OutboundRouteParts.BucketOf(host, 4)}", partOfHost[$"{host}:80"]);
        }
        Assert.Contains(routes, r => r.Name == "outbound/default" && r.PartOf == "outbound");
    }

    [Fact]
    public void Carry_OneServicesRoutesChangedInALargeNamespace_OnlyItsPartIsBuiltAgain()
    {
        var before = Load(DemoYaml.Workloads, ServiceEntries("shop", 40), Routes("svc-7", "2s"));
        var edited = Assert.Single(Load(Routes("svc-7", "3s")));
        var after = before.Select(r => r is Mesh.Istio.Networking.VirtualService && r.Metadata.Name == "svc-7" ? edited : r).ToList();
        var frontend = TestNodes.Sidecar("frontend-v1");

        var first = MeshSnapshotBuilder.Build(1, before);
        var firstRoutes = ProxyConfigGenerator.Generate(frontend, first).Routes;
        var second = MeshSnapshotBuilder.Build(2, after);
        RouteTranslationMemo.Carry(first, second);
        var secondRoutes = ProxyConfigGenerator.Generate(frontend, second).Routes;
        Assert.Equal(ProxyConfigGenerator.Generate(frontend, MeshSnapshotBuilder.Build(2, after)).Routes, secondRoutes);

        var changedPart = $"outbound/shop/{OutboundRouteParts.BucketOf("svc-7.shop.svc.cluster.local", 4)}";
        var rebuilt = firstRoutes.Zip(secondRoutes).Where(pair => pair.Second.Name.StartsWith("outbound/", StringComparison.Ordinal)
            && !ReferenceEquals(pair.First, pair.Second)).Select(pair => pair.Second.Name);
        Assert.Equal([changedPart], rebuilt);
    }

    private static string ServiceEntries(string ns, int count)
    {
        var yaml = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            yaml.Append($$"""
                apiVersion: networking.istio.io/v1
                kind: ServiceEntry
                metadata: { name: svc-{{i}}, namespace: {{ns}} }
                spec:
                  hosts: [svc-{{i}}.{{ns}}.svc.cluster.local]
                  location: MESH_INTERNAL
                  ports: [{ number: 80, name: http, protocol: HTTP }, { number: 8080, name: http-admin, protocol: HTTP }]
                  resolution: STATIC
                  endpoints: [{ address: 10.0.{{i / 200}}.{{i % 200 + 1}} }]
                ---

                """);
        }
        return yaml.ToString();
    }

    private static string Routes(string service, string timeout) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: {{service}}, namespace: shop }
        spec:
          hosts: [{{service}}.shop.svc.cluster.local]
          http:
          - route: [{ destination: { host: {{service}}.shop.svc.cluster.local } }]
            timeout: {{timeout}}
        """;

    private static List<IstioResource> Load(params string[] yaml)
    {
        var result = IstioConfigLoader.LoadText(string.Join("\n---\n", yaml), "test.yaml");
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return [.. result.Resources];
    }
}
