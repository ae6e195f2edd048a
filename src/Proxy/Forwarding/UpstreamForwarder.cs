using System.Net.Http;
using System.Text;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Forwarding.LoadBalancing;
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// Sends a routed request to its cluster through YARP's forwarder, attempt after attempt as the retry policy allows,
/// within the per-try and overall timeouts, and records Envoy's response flags. A failure on the client's side (a
/// malformed body, a connection gone) ends the request at once: it is never retried nor answered as an upstream 5xx.
/// A cluster with circuit-breaker thresholds admits each attempt against them (overflow: 503, UO) and each retry
/// against max_retries; a cluster with outlier detection hears each attempt's result.
/// </summary>
internal sealed class UpstreamForwarder(
    IHttpForwarder forwarder, RouteTransformer transformer, ProxyTelemetry telemetry, ForwardingLog log, ProxyOptions options, Random random,
    TimeProvider timeProvider, ClusterMetrics clusterMetrics)
{
    /// <summary>
    /// How much of a request body is kept so that a retry can send it again: Envoy's default buffer limit
    /// (per_connection_buffer_limit_bytes, 1 MiB), which bounds its router's retry buffering. A longer body is still
    /// forwarded, streaming, but no longer retried.
    /// </summary>
    public const int MaxReplayableBodyBytes = 1024 * 1024;

    private const string RetryAbandonedNote = ", not retried: the request body was sent past the 1 MiB that a retry can replay";

    // The host of --app: where inbound passthrough requests reach the application.
    private readonly string? _applicationHost = options.App is { } app && app.LastIndexOf(':') is > 0 and var colon ? app[..colon].Trim('[', ']') : null;

    private readonly ForwarderRequestConfig _http2Request = new()
    {
        Version = System.Net.HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, ActivityTimeout = options.Listeners.StreamIdleTimeout,
    };

    private readonly ForwarderRequestConfig _http11Request = new()
    {
        Version = System.Net.HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower, ActivityTimeout = options.Listeners.StreamIdleTimeout,
    };

    public async Task ForwardAsync(HttpContext context, ProxyRequestFeature feature, ForwardActionModel action, ClusterModel cluster)
    {
        var retry = action.Retry;
        var maxAttempts = retry.NumRetries > 0 && !HttpMethods.IsConnect(context.Request.Method) ? 1 + retry.NumRetries : 1;
        var body = maxAttempts > 1 && HasBody(context.Request) ? KeepForReplay(context) : null;

        using var overall = action.Timeout > TimeSpan.Zero ? new CancellationTokenSource(action.Timeout, timeProvider) : null;
        // The endpoints earlier attempts used, for a retry to avoid: made only when a retry happens, so a request that
        // needs none allocates nothing for it.
        EndpointModel[]? tried = null;
        var limits = cluster.Limits;
        ulong? hash = null;
        if (cluster.Balancer?.Hash is { } consistentHash)
        {
            hash = consistentHash.Key.Compute(context, out var generatedCookie);
            feature.HashCookie = generatedCookie;
        }

        var originalDestination = cluster.Config.LbPolicy == Mesh.Contracts.Discovery.LoadBalancerPolicy.Passthrough ? OriginalDestination.Of(context, _applicationHost) : null;
        for (var attempt = 1; ; attempt++)
        {
            feature.Attempts = attempt;
            // Envoy's max_retries breaker (or retry budget), checked before the response arrives: a response that may
            // not be retried is passed on, never withheld.
            var retryOverflow = attempt < maxAttempts && limits is not null
                && !cluster.State.HasRetryCapacity(limits.RetryLimit(cluster.State.ActiveRequests));
            feature.MayRetry = attempt < maxAttempts && !retryOverflow;
            feature.ResponseWithheld = false;

            var endpoint = originalDestination ?? (attempt > 1 && tried is not null
                ? EndpointPicker.PickAvoiding(cluster, random, tried, attempt - 1, hash, retry.IgnorePreviousHosts, retry.RetryRemoteLocalities)
                : EndpointPicker.Pick(cluster, random, hash));
            if (endpoint is null)
            {
                feature.Flags |= ResponseFlags.NoHealthyUpstream;
                await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, LocalReply.NoHealthyUpstream);
                return;
            }

            feature.Endpoint = endpoint;
            if (limits is not null && !cluster.State.TryStartRequest(limits.MaxInFlight))
            {
                await OverflowAsync(context, feature, cluster, attempt);
                return;
            }

            var attemptSpan = telemetry.StartAttempt(context, feature, endpoint);
            var (error, failure) = await SendAttemptAsync(context, feature, cluster, endpoint, retry.PerTryTimeout, overall);
            telemetry.EndAttempt(context, feature, attemptSpan, endpoint, failed: error != ForwarderError.None);
            if (cluster.Outlier is { } outlier)
            {
                ReportResult(outlier, context, endpoint, error);
            }

            if (error == ForwarderError.None && !feature.ResponseWithheld)
            {
                if (retryOverflow && retry.RetriesStatus(context.Response.StatusCode))
                {
                    clusterMetrics.RetryOverflow(cluster.Name);
                }

                return;
            }

            var exception = context.Features.Get<IForwarderErrorFeature>()?.Exception;
            if (context.RequestAborted.IsCancellationRequested || ForwardingFailures.IsDownstream(error))
            {
                await DownstreamFailedAsync(context, feature, exception);
                return;
            }

            if (error == ForwarderError.UpgradeActivityTimeout)
            {
                // An upgraded connection that carried nothing either way for the idle timeout: closed as meant to be.
                feature.Flags |= ResponseFlags.StreamIdleTimeout;
                return;
            }

            if (ForwardingFailures.IsUnexpected(error))
            {
                log.UnexpectedError(feature, error, exception);
            }

            if (overall is { IsCancellationRequested: true })
            {
                await TimeOutAsync(context, feature, exception);
                return;
            }

            if (context.Response.HasStarted)
            {
                // The response was already streaming to the client: it cannot be replaced, only cut short.
                feature.Flags |= ResponseFlags.UpstreamConnectionTermination;
                log.UpstreamFailed(feature, "disconnected mid-response", exception);
                return;
            }

            var retriable = feature.ResponseWithheld || retry.RetriesFailure(failure);
            if (retriable && retryOverflow)
            {
                clusterMetrics.RetryOverflow(cluster.Name);
            }
            else if (retriable && attempt < maxAttempts && body is not null && !body.Rewind())
            {
                // The body was streamed upstream past what was kept: another attempt would send it incomplete, or twice.
                feature.RetryAbandoned = true;
            }
            else if (retriable && attempt < maxAttempts)
            {
                if (retry.IgnorePreviousHosts || retry.RetryRemoteLocalities)
                {
                    tried ??= new EndpointModel[maxAttempts];
                    tried[attempt - 1] = endpoint;
                }

                if (!await PrepareRetryAsync(context, attempt, retry.BackoffBase, overall, limits is null ? null : cluster.State))
                {
                    await TimeOutAsync(context, feature, null);
                    return;
                }

                continue;
            }

            await FailAsync(context, feature, failure, attempt, exception);
            return;
        }
    }

    private async Task<(ForwarderError Error, UpstreamFailure Failure)> SendAttemptAsync(
        HttpContext context, ProxyRequestFeature feature, ClusterModel cluster, EndpointModel endpoint, TimeSpan perTryTimeout, CancellationTokenSource? overall)
    {
        using var perTry = perTryTimeout > TimeSpan.Zero ? new CancellationTokenSource(perTryTimeout, timeProvider) : null;
        using var linked = perTry is not null && overall is not null ? CancellationTokenSource.CreateLinkedTokenSource(perTry.Token, overall.Token) : null;
        var token = linked?.Token ?? perTry?.Token ?? overall?.Token ?? CancellationToken.None;
        feature.PerTryTimeout = perTry;
        feature.RouteTimeout = overall;

        endpoint.State.OnRequestStarted();
        cluster.Transport.Acquire();
        ForwarderError error;
        try
        {
            error = await forwarder.SendAsync(context, endpoint.DestinationPrefix, cluster.Transport.Invoker, cluster.SendsHttp2(context.Request) ? _http2Request : _http11Request, transformer, token);
        }
        finally
        {
            feature.PerTryTimeout = null;
            feature.RouteTimeout = null;
            cluster.Transport.Release();
            endpoint.State.OnRequestEnded();
            if (cluster.Limits is not null)
            {
                cluster.State.EndRequest();
            }
        }

        if (error == ForwarderError.None)
        {
            return (error, UpstreamFailure.None);
        }

        return (error, perTry is { IsCancellationRequested: true }
            ? UpstreamFailure.PerTryTimeout
            : ForwardingFailures.Classify(context.Features.Get<IForwarderErrorFeature>()?.Exception));
    }

    /// <summary>
    /// Clears what the failed attempt left on the response and waits the back-off; false if the overall timeout fired
    /// meanwhile. The back-off is what Envoy's max_retries counts: a retry is active while it waits.
    /// </summary>
    private async Task<bool> PrepareRetryAsync(HttpContext context, int attempt, TimeSpan backoffBase, CancellationTokenSource? overall, ClusterState? countedRetries)
    {
        context.Response.Clear();
        context.Features.Set<IForwarderErrorFeature>(null);

        countedRetries?.StartRetry();
        try
        {
            await Task.Delay(RetryBackoff.Next(attempt, backoffBase, random), timeProvider, overall?.Token ?? CancellationToken.None);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        finally
        {
            countedRetries?.EndRetry();
        }
    }

    /// <summary>
    /// The attempt's result as Envoy's router reports it to outlier detection: the upstream's status when it answered,
    /// a local-origin failure when the connection failed, reset or timed out; nothing when the client's side failed.
    /// </summary>
    private static void ReportResult(OutlierDetector outlier, HttpContext context, EndpointModel endpoint, ForwarderError error)
    {
        if (error == ForwarderError.None)
        {
            outlier.OnResponse(endpoint, context.Response.StatusCode);
            return;
        }

        if (ForwardingFailures.IsDownstream(error) || context.RequestAborted.IsCancellationRequested || error == ForwarderError.UpgradeActivityTimeout)
        {
            return;
        }

        // Headers already on their way to the client: the upstream answered, and its status is what counts.
        if (context.Response.HasStarted)
        {
            outlier.OnResponse(endpoint, context.Response.StatusCode);
        }
        else
        {
            outlier.OnLocalOriginFailure(endpoint);
        }
    }

    /// <summary>A circuit breaker is full: Envoy's overflow reply, never retried and never held against the endpoint.</summary>
    private Task OverflowAsync(HttpContext context, ProxyRequestFeature feature, ClusterModel cluster, int attempts)
    {
        feature.Flags |= ResponseFlags.UpstreamOverflow;
        clusterMetrics.PendingOverflow(cluster.Name);
        return LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, LocalReply.UpstreamOverflow, attempts: attempts > 1 ? attempts : 0);
    }

    /// <summary>
    /// The client's side failed. A protocol error the server caught (a malformed chunked body) is answered with the
    /// server's status, 400 for most, as DPE; a client gone gets no answer, as DC. Neither is the upstream's fault.
    /// </summary>
    private Task DownstreamFailedAsync(HttpContext context, ProxyRequestFeature feature, Exception? exception)
    {
        if (!context.RequestAborted.IsCancellationRequested && ForwardingFailures.ProtocolError(exception) is { } badRequest)
        {
            feature.Flags |= ResponseFlags.DownstreamProtocolError;
            log.ProtocolError(feature, badRequest.StatusCode, badRequest);
            var body = Encoding.ASCII.GetBytes(ReasonPhrases.GetReasonPhrase(badRequest.StatusCode));
            return LocalReply.WriteAsync(context, badRequest.StatusCode, body);
        }

        feature.Flags |= ResponseFlags.DownstreamConnectionTermination;
        log.ClientGone(feature, exception);
        return Task.CompletedTask;
    }

    private Task TimeOutAsync(HttpContext context, ProxyRequestFeature feature, Exception? exception)
    {
        feature.Flags |= ResponseFlags.UpstreamRequestTimeout;
        log.UpstreamFailed(feature, "route timeout", exception);
        return LocalReply.WriteAsync(context, StatusCodes.Status504GatewayTimeout, LocalReply.UpstreamTimeout);
    }

    private Task FailAsync(HttpContext context, ProxyRequestFeature feature, UpstreamFailure failure, int attempts, Exception? exception)
    {
        if (attempts > 1)
        {
            feature.Flags |= ResponseFlags.UpstreamRetryLimitExceeded;
        }

        log.UpstreamFailed(feature, feature.RetryAbandoned ? ForwardingFailures.Describe(failure) + RetryAbandonedNote : ForwardingFailures.Describe(failure), exception);

        switch (failure)
        {
            case UpstreamFailure.PerTryTimeout:
                feature.Flags |= ResponseFlags.UpstreamRequestTimeout;
                return LocalReply.WriteAsync(context, StatusCodes.Status504GatewayTimeout, LocalReply.UpstreamTimeout, attempts: attempts);
            case UpstreamFailure.ConnectFailure:
                feature.Flags |= ResponseFlags.UpstreamConnectionFailure;
                break;
            default:
                feature.Flags |= ResponseFlags.UpstreamConnectionTermination;
                break;
        }

        return LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, LocalReply.UpstreamConnectError, attempts: attempts);
    }

    /// <summary>
    /// Puts a <see cref="ReplayableRequestBody"/> in front of the client's body, for every attempt to read (and for
    /// the transformer to claim when it withholds a response).
    /// </summary>
    private static ReplayableRequestBody KeepForReplay(HttpContext context)
    {
        var body = new ReplayableRequestBody(context.Request.Body, MaxReplayableBodyBytes);
        context.Request.Body = body;
        context.Response.RegisterForDispose(body);
        return body;
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength is > 0
        || (request.ContentLength is null && request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: true });
}
