using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>One copy per distinct content and type, found by its full digest, released with its last holder.</summary>
public sealed class SharedResourcePoolTests
{
    private static PackedResource[] Packed(params string[] clusterNames) =>
        ResourceVersion.Pack(clusterNames.Select(name => new Cluster { Name = name }).ToArray());

    [Fact]
    public void Acquire_EqualContent_TheFirstCopyForBoth()
    {
        var pool = new SharedResourcePool();
        var firstPacked = Packed("a", "b");

        var first = pool.Acquire(0, firstPacked);
        var second = pool.Acquire(0, Packed("a", "b"));

        Assert.Same(first, second);
        Assert.Equal(firstPacked, second.Packed);
        Assert.Equal(ResourceVersion.Compute(firstPacked), second.Version);
        Assert.Equal(1, pool.Count);
    }

    [Fact]
    public void Acquire_DifferentContentOrType_SeparateCopies()
    {
        var pool = new SharedResourcePool();

        var ab = pool.Acquire(0, Packed("a", "b"));
        var ba = pool.Acquire(0, Packed("b", "a"));
        var otherType = pool.Acquire(1, Packed("a", "b"));

        Assert.NotSame(ab, ba);
        Assert.NotEqual(ab.Version, ba.Version);
        Assert.NotSame(ab, otherType);
        Assert.Equal(ab.Version, otherType.Version);
        Assert.Equal(3, pool.Count);
    }

    [Fact]
    public void Release_LastHolder_ForgetsTheContentSoTheNextAcquireKeepsItsOwn()
    {
        var pool = new SharedResourcePool();
        var first = pool.Acquire(0, Packed("a"));
        var second = pool.Acquire(0, Packed("a"));

        pool.Release(first);
        Assert.Equal(1, pool.Count);
        pool.Release(second);
        Assert.Equal(0, pool.Count);

        var fresh = Packed("a");
        Assert.Same(fresh[0], pool.Acquire(0, fresh).Packed[0]);
    }
}
