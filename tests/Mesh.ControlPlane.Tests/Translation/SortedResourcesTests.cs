using CsCheck;
using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A set kept in parts (a shared build in order, then a proxy's own few) reads and packs exactly as the whole set
/// sorted would: merging by binary search and packing in blocks are only cheaper.
/// </summary>
public sealed class SortedResourcesTests
{
    private static readonly Gen<string> Names = Gen.String[Gen.Char['a', 'e'], 0, 4];

    [Fact]
    public void SortedResources_ASharedRunAndAnyOwn_ReadsAsAFullSort()
    {
        Gen.Select(Names.List[0, 30], Names.List[0, 8]).Sample((sharedNames, ownNames) =>
        {
            var (shared, own) = (Clusters(sharedNames), Clusters(ownNames));
            shared.Sort(ProxyConfigGenerator.ByName);
            var expected = NamesOf([.. shared, .. own]);
            expected.Sort(string.CompareOrdinal);

            var set = new SortedResources<Cluster>(new SharedSortedResources<Cluster>(shared), own, ProxyConfigGenerator.ByName);

            Assert.Equal(expected, NamesOf(set));
            Assert.Equal(expected.Count, set.Count);
        });
    }

    [Fact]
    public void Pack_ASharedRunAndAnyOwn_TheSetsPackingsInOrder_SharedOnesReused()
    {
        Gen.Select(Names.List[0, 30], Names.List[0, 8]).Sample((sharedNames, ownNames) =>
        {
            var shared = Clusters(sharedNames);
            shared.Sort(ProxyConfigGenerator.ByName);
            var part = new SharedSortedResources<Cluster>(shared);
            var set = new SortedResources<Cluster>(part, Clusters(ownNames), ProxyConfigGenerator.ByName);

            var packed = set.Pack();

            Assert.Equal(BytesOf(ResourceVersion.Pack([.. set])), BytesOf(packed));
            Assert.Equal(packed, Enumerable.Range(0, packed.Count).Select(index => packed[index]));
            // Each of the shared part's packings is the part's own, not packed again for this proxy.
            Assert.Equal(part.Packed.Length, packed.Count(resource => part.Packed.Contains(resource)));
        });
    }

    [Fact]
    public void DigestAndNamesAscending_ASharedRunAndAnyOwn_AsTheWholeSetPackedGives()
    {
        // Names of one to three letters of five: repeated names come often, so sets out of strict order do too.
        Gen.Select(Names.List[0, 30], Names.List[0, 8]).Sample((sharedNames, ownNames) =>
        {
            var shared = Clusters(sharedNames);
            shared.Sort(ProxyConfigGenerator.ByName);
            var set = new SortedResources<Cluster>(new SharedSortedResources<Cluster>(shared), Clusters(ownNames), ProxyConfigGenerator.ByName);
            var packed = ResourceVersion.Pack([.. set]);

            Assert.Equal(ResourceVersion.Digest(packed), set.Digest());
            Assert.Equal(PackedSet.InNameOrder(packed), set.NamesAscending);
        });
    }

    [Fact]
    public void SortedResources_OwnBeforeAmongAndAfterTheShared_MergedIntoPlace()
    {
        var shared = Clusters(["outbound|80||a", "outbound|80||c", "outbound|80||e"]);

        var set = new SortedResources<Cluster>(new SharedSortedResources<Cluster>(shared), Clusters(["outbound|80||f", "outbound|80||d", "inbound|8080||"]),
            ProxyConfigGenerator.ByName);

        Assert.Equal(["inbound|8080||", "outbound|80||a", "outbound|80||c", "outbound|80||d", "outbound|80||e", "outbound|80||f"], NamesOf(set));
        Assert.Equal(NamesOf(set), set.Pack().Select(resource => resource.Name));
    }

    [Fact]
    public void SortedResources_NoSharedPart_TheOwnSorted()
    {
        var set = new SortedResources<Cluster>(null, Clusters(["b", "a", "c"]), ProxyConfigGenerator.ByName);

        Assert.Equal(["a", "b", "c"], NamesOf(set));
        Assert.Equal(["a", "b", "c"], set.Pack().Select(resource => resource.Name));
        Assert.Equal(ResourceVersion.Digest(set.Pack()), set.Digest());
        Assert.True(set.NamesAscending);
    }

    private static List<Cluster> Clusters(IEnumerable<string> names) => [.. names.Select((name, i) => new Cluster { Name = name, ConnectTimeoutMs = (uint)i })];

    private static List<string> NamesOf(IEnumerable<Cluster> clusters) => [.. clusters.Select(cluster => cluster.Name)];

    private static string[] BytesOf(IEnumerable<PackedResource> packed) => [.. packed.Select(resource => Convert.ToBase64String(resource.Any.ToByteArray()))];
}
