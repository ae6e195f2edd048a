using System.Text.RegularExpressions;

namespace Mesh.Proxy.Model;

/// <summary>A compiled <c>RouteAction</c>: the weighted split, timeouts, retries, fault, mirrors, CORS and the path and host rewrites.</summary>
internal sealed class ForwardActionModel
{
    private readonly WeightedChoice _split;

    public ForwardActionModel(
        WeightedClusterModel[] clusters,
        TimeSpan timeout,
        RetryPolicyModel retry,
        string? prefixRewrite,
        Regex? rewriteRegex,
        string rewriteSubstitution,
        string? hostRewrite,
        bool includeAttemptCount,
        FaultModel? fault,
        MirrorModel[]? mirrors = null,
        CorsModel? cors = null)
    {
        Fault = fault;
        Mirrors = mirrors;
        Cors = cors;
        Clusters = clusters;
        Timeout = timeout;
        Retry = retry;
        PrefixRewrite = prefixRewrite;
        RewriteRegex = rewriteRegex;
        RewriteSubstitution = rewriteSubstitution;
        HostRewrite = hostRewrite;
        IncludeAttemptCount = includeAttemptCount;
        var weights = new int[clusters.Length];
        for (var i = 0; i < clusters.Length; i++)
        {
            weights[i] = clusters[i].Weight;
        }

        _split = new WeightedChoice(weights);
    }

    public WeightedClusterModel[] Clusters { get; }

    /// <summary>Whole-request timeout across attempts; zero means none.</summary>
    public TimeSpan Timeout { get; }

    public RetryPolicyModel Retry { get; }

    public string? PrefixRewrite { get; }

    public Regex? RewriteRegex { get; }

    /// <summary>In .NET replacement syntax ($1), converted from the protocol's \1 style.</summary>
    public string RewriteSubstitution { get; }

    public string? HostRewrite { get; }

    /// <summary>Whether attempts carry x-envoy-attempt-count (Envoy's include_request_attempt_count).</summary>
    public bool IncludeAttemptCount { get; }

    /// <summary>The route's fault injection; null injects none.</summary>
    public FaultModel? Fault { get; }

    /// <summary>The route's request mirrors; null when it mirrors nothing.</summary>
    public MirrorModel[]? Mirrors { get; }

    /// <summary>The route's CORS policy; null when it has none.</summary>
    public CorsModel? Cors { get; }

    public bool RewritesPath => PrefixRewrite is not null || RewriteRegex is not null;

    /// <summary>Picks a backend in proportion to its weight; <paramref name="random"/> is the injected random source.</summary>
    public WeightedClusterModel PickCluster(Random random) => Clusters[_split.Pick(random)];
}
