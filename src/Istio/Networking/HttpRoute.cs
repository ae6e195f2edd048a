namespace Mesh.Istio.Networking;

/// <summary>One HTTP routing rule: conditions and the action taken when they hold.</summary>
public sealed record HttpRoute
{
    public string? Name { get; init; }
    public IReadOnlyList<HttpMatchRequest> Match { get; init; } = [];
    public IReadOnlyList<HttpRouteDestination> Route { get; init; } = [];
    public HttpRedirect? Redirect { get; init; }
    public HttpDirectResponse? DirectResponse { get; init; }
    public RouteDelegate? Delegate { get; init; }
    public HttpRewrite? Rewrite { get; init; }
    public TimeSpan? Timeout { get; init; }
    public HttpRetry? Retries { get; init; }
    public HttpFaultInjection? Fault { get; init; }
    public Destination? Mirror { get; init; }
    public IReadOnlyList<HttpMirrorPolicy> Mirrors { get; init; } = [];
    public uint? MirrorPercent { get; init; }
    public Percent? MirrorPercentage { get; init; }
    public CorsPolicy? CorsPolicy { get; init; }
    public Headers? Headers { get; init; }
}
