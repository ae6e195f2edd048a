using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Tests.Model;

/// <summary>
/// <see cref="WorkloadModel.SameAs"/> compares every property, dictionaries by content: what decides whether a
/// service's clusters are carried to the next snapshot (<see cref="Translation.ClusterTranslationMemo"/>).
/// </summary>
public sealed class WorkloadModelTests
{
    private static readonly WorkloadModel Pod = new("reviews-v1-abc", "bookinfo", "10.0.0.11", new Dictionary<string, uint> { ["http"] = 9080 },
        new Dictionary<string, string> { ["app"] = "reviews" }, "reviews", 1, "pods", IsInlineEndpoint: false, Locality: "eu/a")
    {
        TelemetryName = "reviews-v1",
        ContainerPorts = new Dictionary<string, uint> { ["http"] = 9080 },
    };

    // One edit per property, each made on fresh dictionaries, so only content can compare equal.
    private static readonly Dictionary<string, WorkloadModel> Edits = new()
    {
        [nameof(WorkloadModel.Name)] = Pod with { Name = "reviews-v1-def" },
        [nameof(WorkloadModel.Namespace)] = Pod with { Namespace = "other" },
        [nameof(WorkloadModel.Address)] = Pod with { Address = "10.0.0.12" },
        [nameof(WorkloadModel.Ports)] = Pod with { Ports = new Dictionary<string, uint> { ["http"] = 9081 } },
        [nameof(WorkloadModel.Labels)] = Pod with { Labels = new Dictionary<string, string> { ["app"] = "reviews", ["version"] = "v1" } },
        [nameof(WorkloadModel.ServiceAccount)] = Pod with { ServiceAccount = "default" },
        [nameof(WorkloadModel.Weight)] = Pod with { Weight = 2 },
        [nameof(WorkloadModel.SourceFile)] = Pod with { SourceFile = "other" },
        [nameof(WorkloadModel.IsInlineEndpoint)] = Pod with { IsInlineEndpoint = true },
        [nameof(WorkloadModel.Locality)] = Pod with { Locality = "eu/b" },
        [nameof(WorkloadModel.TelemetryName)] = Pod with { TelemetryName = "" },
        [nameof(WorkloadModel.ContainerPorts)] = Pod with { ContainerPorts = new Dictionary<string, uint> { ["http"] = 9090 } },
    };

    public static TheoryData<string> Properties() => [.. Edits.Keys];

    [Theory]
    [MemberData(nameof(Properties))]
    public void SameAs_AnyPropertyEdited_False(string property)
    {
        Assert.False(Pod.SameAs(Edits[property]));
        Assert.False(Edits[property].SameAs(Pod));
    }

    [Fact]
    public void SameAs_EqualContentInOtherDictionaries_True()
    {
        var copy = Pod with
        {
            Ports = new Dictionary<string, uint> { ["http"] = 9080 },
            Labels = new Dictionary<string, string> { ["app"] = "reviews" },
            ContainerPorts = new Dictionary<string, uint> { ["http"] = 9080 },
        };

        Assert.True(Pod.SameAs(copy));
    }

    [Fact]
    public void Properties_EveryOneIsComparedOrDerived()
    {
        var properties = typeof(WorkloadModel).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal);

        // WorkloadName is made of TelemetryName, Name and IsInlineEndpoint.
        Assert.Equal(Edits.Keys.Append(nameof(WorkloadModel.WorkloadName)).Order(StringComparer.Ordinal), properties);
    }
}
