using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.Kubernetes.Tests;

/// <summary>Stored RBAC (roles, cluster roles and their bindings) deciding what a service-account token may do.</summary>
public sealed class RbacTests
{
    private const string ApiAudience = "https://kubernetes.default.svc.cluster.local";

    private static k8s.Kubernetes ClientFor(ServerFixture fixture, string ns, string serviceAccount) =>
        new(fixture.Server.ClientConfiguration(fixture.Server.IssueServiceAccountToken(ns, serviceAccount, [ApiAudience], TimeSpan.FromHours(1))));

    private static V1ClusterRole Role(string name, params V1PolicyRule[] rules) => new() { Metadata = new V1ObjectMeta { Name = name }, Rules = rules };

    private static V1PolicyRule Rule(string group, string resource, string[] verbs, string[]? names = null) =>
        new() { ApiGroups = [group], Resources = [resource], Verbs = verbs, ResourceNames = names };

    private static V1ClusterRoleBinding ClusterBinding(string name, string role, Rbacv1Subject subject) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = role },
        Subjects = [subject],
    };

    private static Rbacv1Subject ServiceAccount(string ns, string name) => new() { Kind = "ServiceAccount", Name = name, NamespaceProperty = ns };

    private static async Task<HttpStatusCode> StatusOfAsync(Func<Task> call)
    {
        try
        {
            await call();
            return HttpStatusCode.OK;
        }
        catch (HttpOperationException e)
        {
            return e.Response.StatusCode;
        }
    }

    [Fact]
    public async Task ClusterRoleBinding_GrantsItsVerbsOnly_AndSelfReviewNamesTheBinding()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var istiod = ClientFor(fixture, "istio-system", "istiod");
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfAsync(() => istiod.CoreV1.ListPodForAllNamespacesAsync()));

        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleAsync(Role("istiod", Rule("", "pods", ["get", "list", "watch"])));
        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(ClusterBinding("istiod", "istiod", ServiceAccount("istio-system", "istiod")));

        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(() => istiod.CoreV1.ListPodForAllNamespacesAsync()));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfAsync(() => istiod.CoreV1.ListServiceForAllNamespacesAsync()));
        var review = await istiod.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = "watch", Resource = "pods", NamespaceProperty = "default" } },
        });
        Assert.True(review.Status.Allowed);
        Assert.Equal("RBAC: allowed by ClusterRoleBinding \"istiod\" of ClusterRole \"istiod\" to ServiceAccount \"istiod/istio-system\"", review.Status.Reason);
    }

    [Fact]
    public async Task RoleBinding_GrantsInItsNamespaceOnly()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "istio-system" } });
        await fixture.Client.RbacAuthorizationV1.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "istiod" },
            Rules = [Rule("", "configmaps", ["*"])],
        }, "istio-system");
        await fixture.Client.RbacAuthorizationV1.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "istiod" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "istiod" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "istiod" }], // namespace defaults to the binding's
        }, "istio-system");
        using var istiod = ClientFor(fixture, "istio-system", "istiod");

        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(() => istiod.CoreV1.ListNamespacedConfigMapAsync("istio-system")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfAsync(() => istiod.CoreV1.ListNamespacedConfigMapAsync("default")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfAsync(() => istiod.CoreV1.ListConfigMapForAllNamespacesAsync()));
    }

    [Fact]
    public async Task ResourceNames_AllowOnlyTheNamedObjects()
    {
        await using var fixture = await ServerFixture.StartAsync();
        foreach (var name in new[] { "istio", "other" })
        {
            await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, "default");
        }
        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleAsync(Role("reader", Rule("", "configmaps", ["get"], ["istio"])));
        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(ClusterBinding("reader", "reader",
            new Rbacv1Subject { Kind = "Group", Name = "system:serviceaccounts:default" }));
        using var sleep = ClientFor(fixture, "default", "sleep");

        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(() => sleep.CoreV1.ReadNamespacedConfigMapAsync("istio", "default")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfAsync(() => sleep.CoreV1.ReadNamespacedConfigMapAsync("other", "default")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfAsync(() => sleep.CoreV1.ListNamespacedConfigMapAsync("default")));
    }

    [Fact]
    public async Task Subresources_AndBindingToSeededClusterAdmin()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleAsync(Role("status", Rule("apps", "deployments/status", ["get"])));
        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(ClusterBinding("status", "status", ServiceAccount("default", "a")));
        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(ClusterBinding("admin", "cluster-admin", ServiceAccount("default", "b")));
        using var a = ClientFor(fixture, "default", "a");
        using var b = ClientFor(fixture, "default", "b");

        Assert.Equal(HttpStatusCode.NotFound, await StatusOfAsync(() => a.AppsV1.ReadNamespacedDeploymentStatusAsync("web", "default")));
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfAsync(() => a.AppsV1.ReadNamespacedDeploymentAsync("web", "default")));
        Assert.Equal(HttpStatusCode.OK, await StatusOfAsync(() => b.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "made-by-b" } })));
    }

    [Fact]
    public async Task BindingToMissingRole_SelfReviewSaysWhichIsMissing()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(ClusterBinding("dangling", "absent", ServiceAccount("default", "sleep")));
        using var sleep = ClientFor(fixture, "default", "sleep");

        var review = await sleep.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = "list", Resource = "pods" } },
        });

        Assert.False(review.Status.Allowed);
        Assert.Equal("RBAC: [clusterrole.rbac.authorization.k8s.io \"absent\" not found]", review.Status.Reason);
    }
}
