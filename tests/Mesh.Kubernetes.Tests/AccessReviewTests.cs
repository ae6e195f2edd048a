using k8s;
using k8s.Models;

namespace Mesh.Kubernetes.Tests;

/// <summary>SelfSubjectAccessReview through KubernetesClient and <c>kubectl auth can-i</c> (what install checks ask).</summary>
public sealed class AccessReviewTests
{
    private static Task<V1SelfSubjectAccessReview> ReviewAsync(IKubernetes client, string verb, string group, string resource, string? ns) =>
        client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec
            {
                ResourceAttributes = new V1ResourceAttributes { Verb = verb, Group = group, Resource = resource, NamespaceProperty = ns },
            },
        });

    [Fact]
    public async Task Review_AdminToken_IsAllowed()
    {
        await using var fixture = await ServerFixture.StartAsync();

        var review = await ReviewAsync(fixture.Client, "create", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", null);

        Assert.True(review.Status.Allowed);
        Assert.Equal("create", review.Spec.ResourceAttributes.Verb);
    }

    [Fact]
    public async Task Review_ServiceAccountWithoutBindings_IsDenied()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var token = fixture.Server.IssueServiceAccountToken("default", "sleep", ["https://kubernetes.default.svc.cluster.local"], TimeSpan.FromHours(1));
        using var client = new k8s.Kubernetes(fixture.Server.ClientConfiguration(token));

        var review = await ReviewAsync(client, "list", "", "pods", "default");

        Assert.False(review.Status.Allowed);
        Assert.True(string.IsNullOrEmpty(review.Status.Reason)); // the real RBAC authorizer gives no reason when no rule applies
    }

    [Fact]
    public async Task Review_NonResourcePath_AdminAllowed()
    {
        await using var fixture = await ServerFixture.StartAsync();

        var review = await fixture.Client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { NonResourceAttributes = new V1NonResourceAttributes { Path = "/metrics", Verb = "get" } },
        });

        Assert.True(review.Status.Allowed);
    }

    [Fact]
    public async Task Discovery_ListsAuthorizationGroup()
    {
        await using var fixture = await ServerFixture.StartAsync();

        var resources = await fixture.Client.AuthorizationV1.GetAPIResourcesAsync();
        var groups = await fixture.Client.Apis.GetAPIVersionsAsync();

        Assert.Contains(groups.Groups, g => g.Name == "authorization.k8s.io");

        var review = Assert.Single(resources.Resources, r => r.Name == "selfsubjectaccessreviews");
        Assert.Equal(["create"], review.Verbs);
        Assert.Equal("SelfSubjectAccessReview", review.Kind);
    }

    [SkippableFact]
    public async Task KubectlAuthCanI_AdminYes_ServiceAccountNo()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        var token = fixture.Server.IssueServiceAccountToken("default", "sleep", ["https://kubernetes.default.svc.cluster.local"], TimeSpan.FromHours(1));
        var limited = new Kubectl(fixture.Server.WriteKubeconfig(Path.Combine(fixture.Directory, "sleep"), token), Path.Combine(fixture.Directory, "cache-sleep"));

        var admin = await fixture.Kubectl.RunAsync("auth", "can-i", "create", "deployments", "-n", "istio-system");
        var account = await limited.RunAsync("auth", "can-i", "create", "deployments", "-n", "istio-system");

        Assert.Equal((0, "yes"), (admin.Exit, admin.Out.Trim()));
        Assert.Equal(1, account.Exit);
        Assert.StartsWith("no", account.Out.Trim());
    }
}
