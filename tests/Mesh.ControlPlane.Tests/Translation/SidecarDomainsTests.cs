using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A sidecar's domains depend on the proxy only through whether it is in the service's namespace: what lets proxies
/// of every other namespace share one list (<see cref="SharedTranslation.SidecarDomainsOf"/>).
/// </summary>
public sealed class SidecarDomainsTests
{
    [Theory]
    [InlineData("reviews.bookinfo.svc.cluster.local", "bookinfo", true)]
    [InlineData("reviews.bookinfo.svc.cluster.local", "default", false)]
    [InlineData("reviews.bookinfo.svc.cluster.local", "info", false)]
    [InlineData("a.b.c.svc.cluster.local", "b.c", true)]
    [InlineData("api.example.com", "default", false)]
    [InlineData(".bookinfo.svc.cluster.local", "bookinfo", false)]
    public void IsServiceNamespace_AgreesWithTheDomainsForThatNamespace(string hostname, string proxyNamespace, bool expected)
    {
        Assert.Equal(expected, SidecarDomains.IsServiceNamespace(hostname, proxyNamespace));
        // Every proxy that agrees on it gets the same domains: here one of another namespace than any in the tests.
        var elsewhere = SidecarDomains.For(hostname, 9080, "nowhere").ToArray();
        Assert.Equal(!expected, elsewhere.SequenceEqual(SidecarDomains.For(hostname, 9080, proxyNamespace)));
    }

    [Fact]
    public void SidecarDomainsOf_ProxiesOfOtherNamespaces_ShareOneList_TheServicesOwnAnother()
    {
        var shared = SharedTranslation.For(Simulation.Load(DemoYaml.Workloads));

        var fromShop = shared.SidecarDomainsOf("reviews.bookinfo.svc.cluster.local", 9080, "shop");
        var fromOps = shared.SidecarDomainsOf("reviews.bookinfo.svc.cluster.local", 9080, "ops");
        var fromBookinfo = shared.SidecarDomainsOf("reviews.bookinfo.svc.cluster.local", 9080, "bookinfo");

        Assert.Same(fromShop, fromOps);
        Assert.Equal(["reviews.bookinfo.svc.cluster.local:9080", "reviews.bookinfo:9080", "reviews.bookinfo.svc:9080"], fromShop);
        Assert.Equal(["reviews.bookinfo.svc.cluster.local:9080", "reviews:9080", "reviews.bookinfo.svc:9080", "reviews.bookinfo:9080"], fromBookinfo);
    }
}
