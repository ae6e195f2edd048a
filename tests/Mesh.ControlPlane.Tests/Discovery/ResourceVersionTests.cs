using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>A version names content: equal bytes in equal order, whichever objects carry them.</summary>
public sealed class ResourceVersionTests
{
    private static PackedResource[] Packed(params (string Name, uint TimeoutSeconds)[] clusters) =>
        ResourceVersion.Pack(clusters.Select(c => new Cluster { Name = c.Name, ConnectTimeoutMs = c.TimeoutSeconds * 1000 }).ToArray());

    [Fact]
    public void Compute_EqualBytesPackedTwice_SameVersion()
    {
        var first = Packed(("a", 1), ("b", 2));
        var second = Packed(("a", 1), ("b", 2));

        Assert.NotSame(first[0], second[0]);
        Assert.True(first[0].SameBytesAs(second[0]));
        Assert.Equal(ResourceVersion.Compute(first), ResourceVersion.Compute(second));
    }

    [Fact]
    public void Compute_OneFieldOfOneResourceChanged_AnotherVersion()
    {
        var before = Packed(("a", 1), ("b", 2));
        var after = Packed(("a", 1), ("b", 3));

        Assert.True(before[0].SameBytesAs(after[0]));
        Assert.False(before[1].SameBytesAs(after[1]));
        Assert.NotEqual(ResourceVersion.Compute(before), ResourceVersion.Compute(after));
    }

    [Fact]
    public void Compute_SameResourcesInAnotherOrderOrOneMore_AnotherVersion()
    {
        var ab = ResourceVersion.Compute(Packed(("a", 1), ("b", 2)));

        Assert.NotEqual(ab, ResourceVersion.Compute(Packed(("b", 2), ("a", 1))));
        Assert.NotEqual(ab, ResourceVersion.Compute(Packed(("a", 1), ("b", 2), ("a", 1))));
        Assert.NotEqual(ab, ResourceVersion.Compute(Packed(("a", 1))));
    }
}
