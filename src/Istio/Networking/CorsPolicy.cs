namespace Mesh.Istio.Networking;

/// <summary>The CORS policy of an HTTP route.</summary>
public sealed record CorsPolicy
{
    public IReadOnlyList<StringMatch> AllowOrigins { get; init; } = [];
    public IReadOnlyList<string> AllowOrigin { get; init; } = [];
    public IReadOnlyList<string> AllowMethods { get; init; } = [];
    public IReadOnlyList<string> AllowHeaders { get; init; } = [];
    public IReadOnlyList<string> ExposeHeaders { get; init; } = [];
    public TimeSpan? MaxAge { get; init; }
    public bool? AllowCredentials { get; init; }
    public UnmatchedPreflights? UnmatchedPreflights { get; init; }
}
