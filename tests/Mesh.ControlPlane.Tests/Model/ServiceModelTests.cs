using Mesh.ControlPlane.Model;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Tests.Model;

/// <summary>
/// <see cref="ServiceModel.SameApartFromWorkloads"/> decides that a change reaches proxies' clusters and endpoints
/// only: every other property must tell two services apart, including any property added later.
/// </summary>
public sealed class ServiceModelTests
{
    private static readonly WorkloadModel Pod = new("reviews-v1", "bookinfo", "10.0.0.11", new Dictionary<string, uint>(),
        new Dictionary<string, string> { ["app"] = "reviews" }, "reviews", 1, "");

    private static readonly ServiceModel Reviews = new("reviews.bookinfo.svc.cluster.local", "bookinfo", "reviews",
        [new ServicePortModel("http", 9080, "HTTP", 9080)], ServiceEntryResolution.Static, ServiceEntryLocation.MeshInternal, ["*"], [Pod])
    {
        Addresses = ["10.96.0.20"],
        Selector = new Dictionary<string, string> { ["app"] = "reviews" },
        SubjectAltNames = ["spiffe://cluster.local/ns/bookinfo/sa/reviews"],
        CreationTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
    };

    // One edit per property but Workloads, each made on fresh copies of the lists, so only content can compare equal.
    private static readonly Dictionary<string, ServiceModel> Edits = new()
    {
        [nameof(ServiceModel.Hostname)] = Reviews with { Hostname = "ratings.bookinfo.svc.cluster.local" },
        [nameof(ServiceModel.Namespace)] = Reviews with { Namespace = "other" },
        [nameof(ServiceModel.ServiceEntryName)] = Reviews with { ServiceEntryName = "ratings" },
        [nameof(ServiceModel.Ports)] = Reviews with { Ports = [new ServicePortModel("http", 9080, "HTTP", 9081)] },
        [nameof(ServiceModel.Resolution)] = Reviews with { Resolution = ServiceEntryResolution.None },
        [nameof(ServiceModel.Location)] = Reviews with { Location = ServiceEntryLocation.MeshExternal },
        [nameof(ServiceModel.ExportTo)] = Reviews with { ExportTo = ["."] },
        [nameof(ServiceModel.Addresses)] = Reviews with { Addresses = ["10.96.0.21"] },
        [nameof(ServiceModel.Selector)] = Reviews with { Selector = new Dictionary<string, string> { ["app"] = "reviews", ["version"] = "v1" } },
        [nameof(ServiceModel.SubjectAltNames)] = Reviews with { SubjectAltNames = [] },
        [nameof(ServiceModel.CreationTime)] = Reviews with { CreationTime = null },
    };

    public static TheoryData<string> Properties() => [.. Edits.Keys];

    [Theory]
    [MemberData(nameof(Properties))]
    public void SameApartFromWorkloads_AnyOtherPropertyEdited_False(string property)
    {
        Assert.False(Reviews.SameApartFromWorkloads(Edits[property]));
        Assert.False(Edits[property].SameApartFromWorkloads(Reviews));
    }

    [Fact]
    public void SameApartFromWorkloads_OtherWorkloadsAndEqualContentInOtherLists_True()
    {
        var copy = Reviews with
        {
            Ports = [new ServicePortModel("http", 9080, "HTTP", 9080)],
            ExportTo = ["*"],
            Addresses = ["10.96.0.20"],
            Selector = new Dictionary<string, string> { ["app"] = "reviews" },
            SubjectAltNames = ["spiffe://cluster.local/ns/bookinfo/sa/reviews"],
            Workloads = [Pod, Pod with { Name = "reviews-v2", Address = "10.0.0.12" }],
        };

        Assert.True(Reviews.SameApartFromWorkloads(copy));
    }

    [Fact]
    public void Properties_EveryOneIsComparedOrIsTheWorkloads()
    {
        var properties = typeof(ServiceModel).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal);

        Assert.Equal(Edits.Keys.Append(nameof(ServiceModel.Workloads)).Order(StringComparer.Ordinal), properties);
    }
}
