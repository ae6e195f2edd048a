using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Tests.Model;

public sealed class HostNamesTests
{
    [Theory]
    [InlineData("reviews", "default", "reviews.default.svc.cluster.local")]
    [InlineData("Reviews", "prod", "reviews.prod.svc.cluster.local")]
    [InlineData("reviews.default", "prod", "reviews.default")]
    [InlineData("reviews.default.svc.cluster.local", "prod", "reviews.default.svc.cluster.local")]
    [InlineData("*.example.com", "prod", "*.example.com")]
    [InlineData("*", "prod", "*")]
    [InlineData("10.0.0.1", "prod", "10.0.0.1")]
    public void Resolve_HostInNamespace_FollowsIstioShortNameRules(string host, string ns, string expected) =>
        Assert.Equal(expected, HostNames.Resolve(host, ns));

    [Theory]
    [InlineData("mesh", "default", "mesh")]
    [InlineData("edge", "default", "default/edge")]
    [InlineData("infra/edge", "default", "infra/edge")]
    [InlineData("./edge", "apps", "apps/edge")]
    [InlineData("edge.infra", "default", "infra/edge")]
    [InlineData("edge.infra.svc.cluster.local", "default", "infra/edge")]
    public void ResolveGateway_Reference_FollowsIstioRules(string reference, string ns, string expected) =>
        Assert.Equal(expected, HostNames.ResolveGateway(reference, ns));

    [Theory]
    [InlineData("a.example.com", "*.example.com", true)]
    [InlineData("example.com", "*.example.com", false)]
    [InlineData("*.a.example.com", "*.example.com", true)]
    [InlineData("*.example.com", "a.example.com", false)]
    [InlineData("anything", "*", true)]
    [InlineData("a.com", "a.com", true)]
    public void IsSubsetOf_HostPair_MatchesIstioWildcardRules(string host, string other, bool expected) =>
        Assert.Equal(expected, HostNames.IsSubsetOf(host, other));
}
