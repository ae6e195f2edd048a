namespace Mesh.Istio.Networking;

/// <summary>The retry policy of an HTTP route.</summary>
public sealed record HttpRetry
{
    public int? Attempts { get; init; }
    public TimeSpan? PerTryTimeout { get; init; }
    public string? RetryOn { get; init; }
    public bool? RetryRemoteLocalities { get; init; }
    public bool? RetryIgnorePreviousHosts { get; init; }
    public TimeSpan? Backoff { get; init; }
}
