using CsCheck;
using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>
/// An increment between two sets of one type, as a stream makes it: applied to the set before, it gives exactly the
/// set after, and it carries no resource whose bytes did not change.
/// </summary>
public sealed class IncrementTests
{
    // A set: names (a few letters, so sets overlap) each with a value (few, so bytes often stay the same).
    private static readonly Gen<Dictionary<string, uint>> Sets =
        Gen.Dictionary(Gen.String[Gen.Char['a', 'd'], 1, 3], Gen.UInt[0, 2])[0, 20];

    [Fact]
    public void AddIncrement_AnyTwoSets_AppliedToTheFirstGivesTheSecondAndCarriesOnlyWhatChanged()
    {
        Gen.Select(Sets, Sets, Gen.Int, Gen.Int).Sample((before, after, beforeSplit, afterSplit) =>
        {
            var response = new DiscoveryResponse();
            var incremental = DiscoveryStream.AddIncrement(Held(before, beforeSplit), Held(after, afterSplit), response);

            var changedOrNew = after.Count(pair => !before.TryGetValue(pair.Key, out var was) || was != pair.Value);
            if (!incremental)
            {
                // Only when nothing is carried over: the whole set is no bigger.
                Assert.Equal(after.Count, changedOrNew);
                Assert.Empty(response.Resources);
                return;
            }
            var applied = new Dictionary<string, uint>(before);
            foreach (var name in response.RemovedResources) Assert.True(applied.Remove(name), $"{name} removed but never held");
            foreach (var resource in response.Resources)
            {
                var cluster = resource.Unpack<Cluster>();
                applied[cluster.Name] = cluster.ConnectTimeoutMs;
            }
            Assert.Equal(after.OrderBy(p => p.Key, StringComparer.Ordinal), applied.OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Equal(changedOrNew, response.Resources.Count);
            Assert.Equal(response.RemovedResources.Order(StringComparer.Ordinal), response.RemovedResources);
        });
    }

    [Fact]
    public void AddIncrement_NamesOutOfOrder_TheWholeSet()
    {
        var sorted = Held(new Dictionary<string, uint> { ["a"] = 1, ["b"] = 1, ["c"] = 1 });
        var shuffled = Held([("b", 1), ("a", 2), ("c", 1)]);

        Assert.False(DiscoveryStream.AddIncrement(sorted, shuffled, new DiscoveryResponse()));
        Assert.False(DiscoveryStream.AddIncrement(shuffled, sorted, new DiscoveryResponse()));
        Assert.True(DiscoveryStream.AddIncrement(sorted, Held([("a", 2), ("b", 1), ("c", 1)]), new DiscoveryResponse()));
    }

    /// <summary>
    /// The set in name order, held in two parts as a proxy's is: the bits of <paramref name="split"/> pick which
    /// resources are the proxy's own, the rest being the shared run.
    /// </summary>
    private static SharedResources Held(Dictionary<string, uint> set, int split = 0)
    {
        var packed = Packed([.. set.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => (p.Key, p.Value))]);
        var (shared, own, positions) = (new List<PackedResource>(), new List<PackedResource>(), new List<int>());
        for (var i = 0; i < packed.Length; i++)
        {
            if ((split >> (i % 32) & 1) == 0)
            {
                shared.Add(packed[i]);
                continue;
            }
            own.Add(packed[i]);
            positions.Add(shared.Count);
        }
        var parts = new PackedParts([.. shared], [.. own], [.. positions]);
        Assert.Equal(packed, parts);
        return new SharedResources("test", parts, ResourceVersion.Compute(packed), PackedSet.InNameOrder(packed));
    }

    private static SharedResources Held((string Name, uint Value)[] set)
    {
        var packed = Packed(set);
        return new SharedResources("test", PackedParts.Of(packed), ResourceVersion.Compute(packed), PackedSet.InNameOrder(packed));
    }

    /// <summary>Clusters in the given order, each named and with its value as its connect timeout, packed as a stream holds them.</summary>
    private static PackedResource[] Packed((string Name, uint Value)[] set) =>
        ResourceVersion.Pack(set.Select(p => (IMessage)new Cluster { Name = p.Name, ConnectTimeoutMs = p.Value }).ToList());
}
