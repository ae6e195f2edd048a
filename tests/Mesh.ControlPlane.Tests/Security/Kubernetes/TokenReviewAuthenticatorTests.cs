using System.Net;
using Grpc.Core;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Mesh.Security;

namespace Mesh.ControlPlane.Tests.Security.Kubernetes;

/// <summary>What a TokenReview proves: exactly the service account it authenticates, for the istio-ca audience, and nothing when it fails.</summary>
public sealed class TokenReviewAuthenticatorTests
{
    private static readonly SpiffeId Backend = new("cluster.local", "default", "backend");

    private readonly FakeTimeProvider _time = new(TestCa.Now);
    private readonly FakeKubernetesCaApi _api = new();

    private TokenReviewAuthenticator Create(TokenReviewOptions? options = null) => new(_api, "cluster.local", _time, options ?? new TokenReviewOptions());

    private static V1TokenReviewStatus Authenticated(string username, params string[] audiences) => new()
    {
        Authenticated = true,
        Audiences = audiences.Length == 0 ? ["istio-ca"] : audiences,
        User = new V1UserInfo { Username = username, Groups = ["system:serviceaccounts", "system:authenticated"] },
    };

    private string Token(string sa = "backend", TimeSpan? lifetime = null) =>
        ServiceAccountTokens.Create("default", sa, _time.GetUtcNow() + (lifetime ?? TimeSpan.FromHours(1)));

    [Fact]
    public async Task Authenticate_ServiceAccountToken_ProvesThatServiceAccountsIdentityAndAsksForTheIstioCaAudience()
    {
        _api.Review = (_, _) => Task.FromResult(Authenticated("system:serviceaccount:default:backend"));
        var token = Token();

        var result = await Create().AuthenticateAsync(token, CancellationToken.None);

        Assert.Equal(Backend, result!.Identity);
        Assert.Equal("system:serviceaccount:default:backend", result.Subject);
        var review = Assert.Single(_api.Reviews);
        Assert.Equal(token, review.Spec.Token);
        Assert.Equal(["istio-ca"], review.Spec.Audiences);
    }

    [Fact]
    public async Task Authenticate_SameTokenAgain_AnsweredFromTheCacheWithoutAReview()
    {
        _api.Review = (_, _) => Task.FromResult(Authenticated("system:serviceaccount:default:backend"));
        var authenticator = Create();
        var token = Token();

        await authenticator.AuthenticateAsync(token, CancellationToken.None);
        var again = await authenticator.AuthenticateAsync(token, CancellationToken.None);

        Assert.Equal(Backend, again!.Identity);
        Assert.Single(_api.Reviews);
    }

    [Fact]
    public async Task Authenticate_CachedTokenPastItsExpiry_ReviewedNoLongerTrusted()
    {
        _api.Review = (_, _) => Task.FromResult(Authenticated("system:serviceaccount:default:backend"));
        var authenticator = Create(new TokenReviewOptions { CacheLifetime = TimeSpan.FromHours(1) });
        var token = Token(lifetime: TimeSpan.FromMinutes(10));
        await authenticator.AuthenticateAsync(token, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(11));
        var expired = await authenticator.AuthenticateAsync(token, CancellationToken.None);

        Assert.Null(expired!.Identity);
        Assert.Equal(StatusCode.Unauthenticated, expired.Status);
        Assert.Contains("expired", expired.Failure);
        Assert.Single(_api.Reviews);
    }

    [Fact]
    public async Task Authenticate_CacheLifetimeOver_ReviewedAgain()
    {
        _api.Review = (_, _) => Task.FromResult(Authenticated("system:serviceaccount:default:backend"));
        var authenticator = Create(new TokenReviewOptions { CacheLifetime = TimeSpan.FromMinutes(1) });
        var token = Token();
        await authenticator.AuthenticateAsync(token, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(2));
        await authenticator.AuthenticateAsync(token, CancellationToken.None);

        Assert.Equal(2, _api.Reviews.Count);
    }

    [Fact]
    public async Task Authenticate_CacheFull_StaysBoundedAndStillAuthenticates()
    {
        _api.Review = (_, _) => Task.FromResult(Authenticated("system:serviceaccount:default:backend"));
        var authenticator = Create(new TokenReviewOptions { MaxCachedTokens = 2 });

        for (var i = 0; i < 5; i++)
        {
            var token = ServiceAccountTokens.Create("default", "backend", _time.GetUtcNow().AddHours(1), nonce: i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(Backend, (await authenticator.AuthenticateAsync(token, CancellationToken.None))!.Identity);
        }

        Assert.Equal(2, authenticator.CachedTokens);
    }

    [Fact]
    public async Task Authenticate_NotAuthenticated_RefusedNamingWhoTheTokenClaims()
    {
        _api.Review = (_, _) => Task.FromResult(new V1TokenReviewStatus { Authenticated = false, Error = "invalid bearer token, token lookup failed" });

        var result = await Create().AuthenticateAsync(Token(), CancellationToken.None);

        Assert.Null(result!.Identity);
        Assert.Equal(StatusCode.Unauthenticated, result.Status);
        Assert.Contains("token lookup failed", result.Failure);
        Assert.Equal("a token claiming system:serviceaccount:default:backend", result.Subject);
    }

    [Fact]
    public async Task Authenticate_ReviewMatchedAnotherAudience_Refused()
    {
        _api.Review = (_, _) => Task.FromResult(Authenticated("system:serviceaccount:default:backend", "https://kubernetes.default.svc"));

        var result = await Create().AuthenticateAsync(Token(), CancellationToken.None);

        Assert.Null(result!.Identity);
        Assert.Contains("not for audience 'istio-ca'", result.Failure);
    }

    [Fact]
    public async Task Authenticate_UserThatIsNoServiceAccount_Refused()
    {
        _api.Review = (_, _) => Task.FromResult(Authenticated("kubernetes-admin"));

        var result = await Create().AuthenticateAsync(Token(), CancellationToken.None);

        Assert.Null(result!.Identity);
        Assert.Contains("not a service account", result.Failure);
    }

    [Fact]
    public async Task Authenticate_ExpiredByItsOwnClaim_RefusedWithoutAReview()
    {
        var result = await Create().AuthenticateAsync(Token(lifetime: TimeSpan.FromMinutes(-1)), CancellationToken.None);

        Assert.Null(result!.Identity);
        Assert.Contains("expired", result.Failure);
        Assert.Empty(_api.Reviews);
    }

    [Fact]
    public async Task Authenticate_ApiServerFails_UnavailableSayingWhy()
    {
        _api.Review = (_, _) => throw FakeKubernetesCaApi.Error(HttpStatusCode.Forbidden);

        var result = await Create().AuthenticateAsync(Token(), CancellationToken.None);

        Assert.Equal(StatusCode.Unavailable, result!.Status);
        Assert.Contains("403", result.Failure);
        Assert.Contains("the fake API server says Forbidden", result.Failure);
    }

    [Fact]
    public async Task Authenticate_ReviewHangs_UnavailableAfterTheTimeout()
    {
        var asked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _api.Review = async (_, cancellationToken) =>
        {
            asked.SetResult();
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        };

        var pending = Create(new TokenReviewOptions { Timeout = TimeSpan.FromSeconds(5) }).AuthenticateAsync(Token(), CancellationToken.None).AsTask();
        await asked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(5));
        var result = await pending.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(StatusCode.Unavailable, result!.Status);
        Assert.Contains("within 5s", result.Failure);
    }

    [Theory]
    [InlineData("not-a-jwt")]
    [InlineData("aWQ.bWFj")]
    public async Task Authenticate_NotAJwt_LeftToAnotherAuthenticator(string token)
    {
        Assert.Null(await Create().AuthenticateAsync(token, CancellationToken.None));
        Assert.Empty(_api.Reviews);
    }

    [Fact]
    public async Task Authenticate_OversizedToken_RefusedWithoutAReview()
    {
        var token = "a." + new string('b', 20_000) + ".c";

        var result = await Create().AuthenticateAsync(token, CancellationToken.None);

        Assert.Null(result!.Identity);
        Assert.Empty(_api.Reviews);
    }
}
