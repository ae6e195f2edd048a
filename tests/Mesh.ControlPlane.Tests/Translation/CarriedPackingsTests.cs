using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Translation;
using static Mesh.ControlPlane.Tests.Translation.SidecarScopeYaml;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A snapshot's shared resources take the packing of an equal resource the last snapshot packed, and only of an equal
/// one: what a proxy is sent is byte for byte what a fresh snapshot gives it.
/// </summary>
public sealed class CarriedPackingsTests
{
    private static readonly string CartMoved = Namespaces.Replace("endpoints: [{ address: 127.0.0.21 }]", "endpoints: [{ address: 127.0.0.31 }]", StringComparison.Ordinal);

    public static TheoryData<string> Nodes() => ["worker", "captured worker", "gateway"];

    private static Node NodeNamed(string name)
    {
        if (name == "gateway") return TestNodes.Router(ns: "shop");
        var node = TestNodes.Sidecar("worker-1", "shop");
        if (name == "captured worker") node.InboundCapturePort = 15006;
        return node;
    }

    [Theory]
    [MemberData(nameof(Nodes))]
    public void Carry_OneServicesEndpointsMoved_UnchangedResourcesKeepTheirPackingAndTheMovedOneIsPackedAnew(string name)
    {
        var node = NodeNamed(name);
        var before = Simulation.Load(Namespaces);
        var after = Simulation.Load(CartMoved);
        var sent = ProxyConfigGenerator.Generate(node, before);
        // As a stream does: packing the resources it sends.
        foreach (var typeUrl in TypeUrls.PushOrder) ResourceVersion.Pack(sent.OfType(typeUrl));

        SharedTranslation.Carry(before, after);
        var next = ProxyConfigGenerator.Generate(node, after);

        var (carried, packedAnew) = (0, 0);
        foreach (var typeUrl in TypeUrls.PushOrder)
        {
            var previous = sent.OfType(typeUrl).ToDictionary(ResourceNames.Of);
            foreach (var resource in next.OfType(typeUrl))
            {
                if (SharedTranslation.PackedOf(resource) is not { } packed) continue;
                Assert.Equal(resource.ToByteString(), packed.Any.Value);
                if (previous.TryGetValue(ResourceNames.Of(resource), out var was) && was.Equals(resource))
                {
                    Assert.Same(SharedTranslation.PackedOf(was), packed);
                    carried++;
                }
                else
                {
                    Assert.NotSame(SharedTranslation.PackedOf(was ?? resource), packed);
                    packedAnew++;
                }
            }
        }
        Assert.True(carried > 0, "nothing was carried");
        Assert.True(packedAnew > 0, "the moved endpoints took an old packing");
        Assert.Equal(Packed(ProxyConfigGenerator.Generate(node, Simulation.Load(CartMoved))), Packed(next));
    }

    [Fact]
    public void Carry_NothingPackedBefore_NothingCarried()
    {
        var node = NodeNamed("worker");
        var before = Simulation.Load(Namespaces);
        var after = Simulation.Load(Namespaces);
        var built = ProxyConfigGenerator.Generate(node, before);

        SharedTranslation.Carry(before, after);

        foreach (var cluster in ProxyConfigGenerator.Generate(node, after).Clusters)
        {
            if (SharedTranslation.PackingOf(cluster) is { } packing) Assert.False(packing.IsValueCreated, cluster.Name);
        }
        Assert.NotEmpty(built.Clusters);
    }

    /// <summary>Every type's resources as a response carries them.</summary>
    private static string[] Packed(ProxyResources resources)
    {
        var packed = new List<string>();
        foreach (var typeUrl in TypeUrls.PushOrder)
        {
            foreach (var resource in ResourceVersion.Pack(resources.OfType(typeUrl))) packed.Add(resource.Any.ToByteString().ToBase64());
        }
        return [.. packed];
    }
}
