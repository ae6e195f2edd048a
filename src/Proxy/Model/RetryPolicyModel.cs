using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Model;

/// <summary>A compiled <see cref="RetryPolicy"/> with Envoy's retry_on semantics.</summary>
internal sealed class RetryPolicyModel
{
    /// <summary>Envoy's default retry back-off base interval.</summary>
    public static readonly TimeSpan DefaultBackoffBase = TimeSpan.FromMilliseconds(25);

    public static readonly RetryPolicyModel None = new(0, TimeSpan.Zero, RetryConditions.None, [], ignorePreviousHosts: false, DefaultBackoffBase);

    private readonly int[] _retriableStatusCodes;

    private RetryPolicyModel(int numRetries, TimeSpan perTryTimeout, RetryConditions conditions, int[] retriableStatusCodes, bool ignorePreviousHosts,
        TimeSpan backoffBase)
    {
        BackoffBase = backoffBase;
        NumRetries = numRetries;
        IgnorePreviousHosts = ignorePreviousHosts;
        PerTryTimeout = perTryTimeout;
        Conditions = conditions;
        _retriableStatusCodes = retriableStatusCodes;
    }

    public int NumRetries { get; }

    /// <summary>Zero: each attempt may use the whole route timeout.</summary>
    public TimeSpan PerTryTimeout { get; }

    public RetryConditions Conditions { get; }

    /// <summary>A retry avoids the hosts earlier attempts used (Envoy's previous_hosts predicate).</summary>
    public bool IgnorePreviousHosts { get; }

    /// <summary>Istio retryRemoteLocalities: every second attempt, the locality priorities tried so far are left out (Envoy's previous_priorities).</summary>
    public bool RetryRemoteLocalities { get; private init; }

    /// <summary>The back-off's base interval (Istio's retries.backoff): the first retry waits up to it, the cap is 10 times it.</summary>
    public TimeSpan BackoffBase { get; }

    public static RetryPolicyModel Compile(RetryPolicy? policy)
    {
        if (policy is null)
        {
            return None;
        }

        var conditions = RetryConditions.None;
        foreach (var condition in policy.RetryOn)
        {
            // Unknown conditions are ignored, as Envoy ignores them, so any Istio retryOn string is accepted.
            conditions |= condition.Trim() switch
            {
                "5xx" => RetryConditions.FiveXx,
                "gateway-error" => RetryConditions.GatewayError,
                "connect-failure" => RetryConditions.ConnectFailure,
                "reset" => RetryConditions.Reset,
                "refused-stream" => RetryConditions.RefusedStream,
                "retriable-status-codes" => RetryConditions.RetriableStatusCodes,
                "retriable-4xx" => RetryConditions.Retriable4xx,
                "cancelled" => RetryConditions.GrpcCancelled,
                "deadline-exceeded" => RetryConditions.GrpcDeadlineExceeded,
                "internal" => RetryConditions.GrpcInternal,
                "resource-exhausted" => RetryConditions.GrpcResourceExhausted,
                "unavailable" => RetryConditions.GrpcUnavailable,
                _ => RetryConditions.None,
            };
        }

        var codes = new int[policy.RetriableStatusCodes.Count];
        for (var i = 0; i < codes.Length; i++)
        {
            codes[i] = (int)policy.RetriableStatusCodes[i];
        }

        var backoffBase = policy.BackoffBaseIntervalMs > 0 ? TimeSpan.FromMilliseconds(policy.BackoffBaseIntervalMs) : DefaultBackoffBase;
        return new RetryPolicyModel((int)policy.NumRetries, TimeSpan.FromMilliseconds(policy.PerTryTimeoutMs), conditions, codes, policy.IgnorePreviousHosts,
            backoffBase)
        {
            RetryRemoteLocalities = policy.RetryRemoteLocalities,
        };
    }

    public bool RetriesStatus(int status)
    {
        if (status >= 500 && Has(RetryConditions.FiveXx))
        {
            return true;
        }

        if (status is 502 or 503 or 504 && Has(RetryConditions.GatewayError))
        {
            return true;
        }

        if (status == 409 && Has(RetryConditions.Retriable4xx))
        {
            return true;
        }

        if (Has(RetryConditions.RetriableStatusCodes))
        {
            foreach (var code in _retriableStatusCodes)
            {
                if (code == status)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>gRPC status codes as carried in a grpc-status header (trailers-only responses).</summary>
    public bool RetriesGrpcStatus(int grpcStatus) => grpcStatus switch
    {
        1 => Has(RetryConditions.GrpcCancelled),
        4 => Has(RetryConditions.GrpcDeadlineExceeded),
        8 => Has(RetryConditions.GrpcResourceExhausted),
        13 => Has(RetryConditions.GrpcInternal),
        14 => Has(RetryConditions.GrpcUnavailable),
        _ => false,
    };

    public bool RetriesFailure(UpstreamFailure failure) => failure switch
    {
        UpstreamFailure.ConnectFailure => Has(RetryConditions.FiveXx | RetryConditions.GatewayError | RetryConditions.ConnectFailure | RetryConditions.Reset),
        UpstreamFailure.Reset => Has(RetryConditions.FiveXx | RetryConditions.Reset),
        UpstreamFailure.RefusedStream => Has(RetryConditions.FiveXx | RetryConditions.RefusedStream | RetryConditions.Reset),
        UpstreamFailure.PerTryTimeout => Has(RetryConditions.FiveXx | RetryConditions.GatewayError | RetryConditions.Reset),
        _ => false,
    };

    private bool Has(RetryConditions any) => (Conditions & any) != 0;
}
