using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Kubernetes.TestServer;

namespace Mesh.Kubernetes.Tests;

/// <summary>TokenReview through KubernetesClient, for service-account tokens the server issued (as istiod's CA calls it).</summary>
public sealed class TokenReviewTests
{
    private static Task<V1TokenReview> ReviewAsync(IKubernetes client, string token, params string[] audiences) =>
        client.AuthenticationV1.CreateTokenReviewAsync(new V1TokenReview
        {
            Spec = new V1TokenReviewSpec { Token = token, Audiences = audiences.Length == 0 ? null : audiences },
        });

    [Fact]
    public async Task Review_PodBoundToken_AuthenticatesServiceAccountWithPodExtra()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var account = await fixture.Client.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "sleep" } }, "default");
        var token = fixture.Server.IssueServiceAccountToken("default", "sleep", ["istio-ca"], TimeSpan.FromHours(1), "sleep-abc");

        var review = await ReviewAsync(fixture.Client, token, "istio-ca");

        Assert.True(review.Status.Authenticated);
        Assert.Null(review.Status.Error);
        Assert.Equal("system:serviceaccount:default:sleep", review.Status.User.Username);
        Assert.Equal(account.Metadata.Uid, review.Status.User.Uid);
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"], review.Status.User.Groups);
        Assert.Equal(["sleep-abc"], review.Status.User.Extra["authentication.kubernetes.io/pod-name"]);
        Assert.Equal(["istio-ca"], review.Status.Audiences);
    }

    [Fact]
    public async Task Review_WrongAudience_IsNotAuthenticated()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var token = fixture.Server.IssueServiceAccountToken("default", "sleep", ["other"], TimeSpan.FromHours(1));

        var review = await ReviewAsync(fixture.Client, token, "istio-ca");

        Assert.NotEqual(true, review.Status.Authenticated);
        Assert.Equal("[invalid bearer token, token audiences [\"other\"] is invalid for the target audiences [\"istio-ca\"]]", review.Status.Error);
    }

    [Fact]
    public async Task Review_AfterExpiry_IsNotAuthenticated()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions { Time = time });
        var token = fixture.Server.IssueServiceAccountToken("default", "sleep", ["istio-ca"], TimeSpan.FromMinutes(10));
        Assert.True((await ReviewAsync(fixture.Client, token, "istio-ca")).Status.Authenticated);

        time.Advance(TimeSpan.FromMinutes(10));
        var review = await ReviewAsync(fixture.Client, token, "istio-ca");

        Assert.NotEqual(true, review.Status.Authenticated);
        Assert.Equal("[invalid bearer token, service account token has expired]", review.Status.Error);
    }

    [Fact]
    public async Task Review_UnknownToken_IsNotAuthenticatedWithError()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await using var other = await TestApiServer.StartAsync();
        var foreign = other.IssueServiceAccountToken("default", "sleep", ["istio-ca"], TimeSpan.FromHours(1));

        var review = await ReviewAsync(fixture.Client, foreign, "istio-ca");

        Assert.NotEqual(true, review.Status.Authenticated);
        Assert.False(string.IsNullOrEmpty(review.Status.Error));
    }

    [Fact]
    public async Task Review_WithoutAudiences_UsesServerAudience()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var token = fixture.Server.IssueServiceAccountToken("default", "sleep", ["https://kubernetes.default.svc.cluster.local"], TimeSpan.FromHours(1));

        var review = await ReviewAsync(fixture.Client, token);

        Assert.True(review.Status.Authenticated);
        Assert.Equal(["https://kubernetes.default.svc.cluster.local"], review.Status.Audiences);
    }

    [Fact]
    public async Task Review_CalledWithServiceAccountToken_IsForbidden()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var token = fixture.Server.IssueServiceAccountToken("default", "sleep", ["istio-ca"], TimeSpan.FromHours(1));
        using var client = new k8s.Kubernetes(fixture.Server.ClientConfiguration(token));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => ReviewAsync(client, token, "istio-ca"));

        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
    }
    [Fact]
    public async Task Review_AfterBoundPodDeleted_IsInvalidated()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "sleep-1" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app" }] },
        }, "default");
        var token = fixture.Server.IssueServiceAccountToken("default", "sleep", ["istio-ca"], TimeSpan.FromHours(1), "sleep-1");
        Assert.True((await ReviewAsync(fixture.Client, token, "istio-ca")).Status.Authenticated);

        await fixture.Client.CoreV1.DeleteNamespacedPodAsync("sleep-1", "default");
        var review = await ReviewAsync(fixture.Client, token, "istio-ca");

        Assert.NotEqual(true, review.Status.Authenticated);
        Assert.Equal("[invalid bearer token, service account token has been invalidated]", review.Status.Error);
    }
}
