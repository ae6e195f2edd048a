using System.Net;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Authentication;
using k8s.Models;
using Mesh.Kubernetes.TestServer;

namespace Mesh.Kubernetes.Tests;

/// <summary>
/// What a pod's client sees: the server on another address (as containers reach it on a Docker network's gateway),
/// with a service-account directory as the kubelet mounts it, read the way KubernetesClient's InClusterConfig reads it.
/// </summary>
public sealed class InClusterTests
{
    // Another loopback address: like a Docker gateway address, it is not 127.0.0.1, so the certificate must name it.
    private static readonly IPAddress Elsewhere = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task ServiceAccountDirectory_InClusterStyleClient_ActsAsTheServiceAccountUnderRbac()
    {
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions { ListenAddress = Elsewhere });
        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = "pod-reader" },
            Rules = [new V1PolicyRule { ApiGroups = [""], Resources = ["pods"], Verbs = ["list"] }],
        });
        await fixture.Client.RbacAuthorizationV1.CreateClusterRoleBindingAsync(new V1ClusterRoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "pod-reader" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "pod-reader" },
            Subjects = [new Rbacv1Subject { Kind = "ServiceAccount", Name = "istiod", NamespaceProperty = "default" }],
        });
        var directory = fixture.Server.WriteServiceAccountDirectory(Path.Combine(fixture.Directory, "serviceaccount"), "default", "istiod", "istiod-1");
        var ca = new X509Certificate2Collection();
        ca.ImportFromPemFile(Path.Combine(directory, "ca.crt"));

        // What InClusterConfig does with KUBERNETES_SERVICE_HOST/PORT and the mounted files.
        using var client = new k8s.Kubernetes(new KubernetesClientConfiguration
        {
            Host = $"https://{fixture.Server.Url.Host}:{fixture.Server.Url.Port}",
            TokenProvider = new TokenFileAuth(Path.Combine(directory, "token")),
            SslCaCerts = ca,
            Namespace = File.ReadAllText(Path.Combine(directory, "namespace")),
        });
        var pods = await client.CoreV1.ListNamespacedPodAsync("default");

        Assert.Equal("127.0.0.2", fixture.Server.Url.Host);
        Assert.Empty(pods.Items);
        var review = await client.AuthorizationV1.CreateSelfSubjectAccessReviewAsync(new V1SelfSubjectAccessReview
        {
            Spec = new V1SelfSubjectAccessReviewSpec { ResourceAttributes = new V1ResourceAttributes { Verb = "delete", Resource = "pods", NamespaceProperty = "default" } },
        });
        Assert.False(review.Status.Allowed);
    }

    [SkippableFact]
    public async Task ListenAddress_KubectlVerifiesCertificateForIt()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions { ListenAddress = Elsewhere });

        var output = await fixture.Kubectl.SucceedAsync("get", "namespace", "default", "-o", "name");

        Assert.Equal("namespace/default", output.Trim());
    }

    [Fact]
    public async Task ListenAddress_Wildcard_IsRefused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => TestApiServer.StartAsync(new TestApiServerOptions { ListenAddress = IPAddress.Any }));
    }
}
