namespace Mesh.ControlPlane.Kubernetes;

/// <summary>How Kubernetes tokens are reviewed, and how long a review that proved one is remembered.</summary>
internal sealed record TokenReviewOptions
{
    /// <summary>The audience a pod's projected token must be for (istiod's default token audience).</summary>
    public string Audience { get; init; } = "istio-ca";

    /// <summary>The longest one TokenReview may take before the call is refused as UNAVAILABLE.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long a proven token is trusted without a new review (never past the token's own expiry).</summary>
    public TimeSpan CacheLifetime { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The most proven tokens remembered; past it, tokens are reviewed every time until entries expire.</summary>
    public int MaxCachedTokens { get; init; } = 10_000;

    /// <summary>A longer bearer token is refused without a review (a projected token is about 1 KiB).</summary>
    public int MaxTokenLength { get; init; } = 16 * 1024;
}
