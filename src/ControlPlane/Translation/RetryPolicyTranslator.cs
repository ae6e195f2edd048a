using Mesh.Contracts.Discovery;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Translation;

/// <summary>Istio's retry conversion (pilot route/retry ConvertPolicy): the default policy, <c>attempts: 0</c>, <c>retryOn</c> with status codes, and <c>backoff</c>.</summary>
internal static class RetryPolicyTranslator
{
    private const string RetriableStatusCodes = "retriable-status-codes";
    private static readonly string[] DefaultRetryOn = ["connect-failure", "refused-stream", "unavailable", "cancelled", RetriableStatusCodes];

    /// <summary>
    /// Istio's default, for every route that sets no retries: one instance for all of them, as most routes take it (a
    /// change at 1,000 services in ten namespaces translated 20,000 routes, and their policies were a tenth of the
    /// control plane's CPU, in allocation and collection). Safe because a translated message is only packed and read,
    /// never changed (a test holds this instance to its value).
    /// </summary>
    public static RetryPolicy Default() => SharedDefault;

    private static readonly RetryPolicy SharedDefault = NewDefault();

    /// <summary>
    /// Istio's default when a route sets no retries: 2 retries on connection failures, refused streams, and 503, each
    /// to another host than the attempts before it.
    /// </summary>
    private static RetryPolicy NewDefault()
    {
        var policy = new RetryPolicy { NumRetries = 2, IgnorePreviousHosts = true };
        policy.RetryOn.AddRange(DefaultRetryOn);
        policy.RetriableStatusCodes.Add(503);
        return policy;
    }

    /// <summary>Null when retries are disabled (<c>attempts: 0</c>).</summary>
    public static RetryPolicy? Convert(HttpRetry? retries)
    {
        if (retries is null) return SharedDefault;
        if (retries.Attempts is not > 0) return null;

        // A policy was given: Istio starts from the default and overrides what was set.
        var policy = new RetryPolicy { NumRetries = (uint)retries.Attempts.Value, IgnorePreviousHosts = true };
        if (string.IsNullOrWhiteSpace(retries.RetryOn))
        {
            policy.RetryOn.AddRange(DefaultRetryOn);
            policy.RetriableStatusCodes.Add(503);
        }
        else
        {
            foreach (var raw in retries.RetryOn.Split(','))
            {
                var part = raw.Trim();
                if (part.Length == 0) continue;
                // Istio: an entry that is an HTTP status code is a retriable status code, not a retry_on condition.
                if (uint.TryParse(part, out var code) && code is >= 100 and <= 599) policy.RetriableStatusCodes.Add(code);
                else policy.RetryOn.Add(part);
            }
            if (policy.RetriableStatusCodes.Count > 0 && !policy.RetryOn.Contains(RetriableStatusCodes)) policy.RetryOn.Add(RetriableStatusCodes);
        }
        if (retries.PerTryTimeout is { } perTry) policy.PerTryTimeoutMs = ToMilliseconds(perTry);
        if (retries.RetryIgnorePreviousHosts is { } ignorePreviousHosts) policy.IgnorePreviousHosts = ignorePreviousHosts;
        policy.RetryRemoteLocalities = retries.RetryRemoteLocalities == true;
        // Istio: the base interval of Envoy's exponential back-off, whose cap Envoy keeps at 10 times it.
        if (retries.Backoff is { } backoff) policy.BackoffBaseIntervalMs = ToMilliseconds(backoff);
        return policy;
    }

    public static uint ToMilliseconds(TimeSpan value) => (uint)Math.Clamp(value.TotalMilliseconds, 0, uint.MaxValue);
}
