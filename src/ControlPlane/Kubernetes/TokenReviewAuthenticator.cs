using Grpc.Core;
using k8s.Models;
using Mesh.ControlPlane.Security;
using Mesh.Security;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// A pod's projected service-account token, proven by the API server (istiod's Kubernetes JWT authenticator): a
/// TokenReview for the audience <c>istio-ca</c> that authenticates <c>system:serviceaccount:NS:SA</c> proves exactly
/// <c>spiffe://TRUST_DOMAIN/ns/NS/sa/SA</c>. Proven tokens are remembered briefly (<see cref="ProvenTokenCache"/>).
/// </summary>
internal sealed class TokenReviewAuthenticator(IKubernetesCaApi api, string trustDomain, TimeProvider time, TokenReviewOptions options) : ITokenAuthenticator
{
    public const string Name = "Kubernetes token";

    private const string ServiceAccountPrefix = "system:serviceaccount:";

    private readonly ProvenTokenCache _cache = new(time, options.CacheLifetime, options.MaxCachedTokens);

    public string Credential => Name;

    /// <summary>How many proven tokens are remembered now.</summary>
    public int CachedTokens => _cache.Count;

    public async ValueTask<TokenAuthentication?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (!UnverifiedJwtClaims.LooksLikeJwt(token))
        {
            return null;
        }

        if (token.Length > options.MaxTokenLength)
        {
            return TokenAuthentication.Refused(Name, "an oversized token", $"the token is longer than {options.MaxTokenLength} characters");
        }

        var key = ProvenTokenCache.Key(token);
        if (_cache.TryGet(key, out var cached, out var cachedSubject))
        {
            return TokenAuthentication.Proven(cached, Name, cachedSubject);
        }

        var claims = UnverifiedJwtClaims.Read(token);
        var claimed = claims.Subject is { } sub ? $"a token claiming {sub}" : "a token naming no subject";
        // Already past its own expiry: the API server would refuse it, so it is not asked (a forged exp only refuses sooner).
        if (claims.Expiry is { } expiry && expiry <= time.GetUtcNow())
        {
            return TokenAuthentication.Refused(Name, claimed, $"the Kubernetes token expired at {expiry:u}");
        }

        V1TokenReviewStatus? status;
        try
        {
            status = await ReviewAsync(token, cancellationToken);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return TokenAuthentication.Refused(Name, claimed, $"the TokenReview did not answer within {options.Timeout.TotalSeconds:0.#}s", StatusCode.Unavailable);
        }
        catch (Exception ex) when (ex is k8s.Autorest.HttpOperationException or HttpRequestException or IOException)
        {
            return TokenAuthentication.Refused(Name, claimed, $"the TokenReview failed: {KubernetesApiError.Describe(ex)}", StatusCode.Unavailable);
        }

        if (Check(status) is { } failure)
        {
            return TokenAuthentication.Refused(Name, claimed, failure);
        }

        var username = status!.User.Username;
        var parts = username.Split(':');
        if (!SpiffeId.TryParse($"spiffe://{trustDomain}/ns/{parts[2]}/sa/{parts[3]}", out var identity, out var error))
        {
            return TokenAuthentication.Refused(Name, username, $"the service account {username} is no workload identity: {error}");
        }

        _cache.Add(key, identity, username, claims.Expiry);
        return TokenAuthentication.Proven(identity, Name, username);
    }

    private async Task<V1TokenReviewStatus?> ReviewAsync(string token, CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var review = new V1TokenReview
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenReview",
            Spec = new V1TokenReviewSpec { Token = token, Audiences = [options.Audience] },
        };
        return (await api.CreateTokenReviewAsync(review, linked.Token)).Status;
    }

    /// <summary>Why the review proves no service account for our audience; null when it does.</summary>
    private string? Check(V1TokenReviewStatus? status)
    {
        if (status is null)
        {
            return "the TokenReview came back without a status";
        }

        if (!string.IsNullOrEmpty(status.Error))
        {
            return $"the API server refused the token: {status.Error}";
        }

        if (status.Authenticated != true)
        {
            return "the API server did not authenticate the token (unknown, expired, or not for audience " + options.Audience + ")";
        }

        // An audience-aware API server names the audience it matched; one that returns none did not check ours.
        if (status.Audiences is null || !status.Audiences.Contains(options.Audience))
        {
            return $"the token is not for audience '{options.Audience}' (the TokenReview matched [{string.Join(", ", status.Audiences ?? [])}])";
        }

        var username = status.User?.Username ?? string.Empty;
        if (!username.StartsWith(ServiceAccountPrefix, StringComparison.Ordinal) || username.Split(':').Length != 4)
        {
            return $"the token authenticates '{username}', not a service account (system:serviceaccount:<namespace>:<name>)";
        }

        return null;
    }
}
