using Mesh.Proxy.Forwarding.LoadBalancing;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Prometheus;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// Envoy's request mirroring (Istio's mirror/mirrors): a copy of a route's request goes to each mirror cluster its
/// share draws, fire-and-forget, with the authority suffixed <c>-shadow</c>. The copy carries what the original
/// carries upstream (the route's path and host rewrites and request header operations); its response is read and
/// discarded, its failure counted and logged at most <see cref="ForwardingLog.LinesPerInterval"/> times an interval.
/// The original never waits on a copy nor fails with it.
/// <para>
/// The body goes to both: it is buffered whole before the original is forwarded, up to
/// <see cref="MaxBodyBytes"/>; a larger body (declared, or found while reading one of unknown length) is forwarded
/// whole but not mirrored, as Envoy abandons a shadow whose body exceeds its buffer limit. At most <see cref="MaxInFlight"/> copies are in flight per proxy
/// (so at most 16 MiB of mirrored bodies); a copy past that is dropped, so a slow mirror target costs bounded memory.
/// A copy gets the route's timeout, or <see cref="DefaultTimeout"/> when the route has none.
/// </para>
/// </summary>
internal sealed partial class RequestMirror
{
    public const int MaxBodyBytes = 64 * 1024;

    public const int MaxInFlight = 256;

    /// <summary>Envoy's default route timeout: a copy that never completes would otherwise hold its slot forever.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    public const string MetricName = "mesh_mirror_requests_total";

    private const string ShadowSuffix = "-shadow";

    private static readonly HashSet<string> NotCopiedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Expect",
    };

    private readonly ILogger _logger;
    private readonly RateLimitedLog _failedLog;
    private readonly CappedFamily<Counter.Child> _results;
    private readonly Random _random;
    private readonly TimeProvider _time;
    private int _inFlight;

    public RequestMirror(ILogger<RequestMirror> logger, CappedMetricFactory metrics, Random random, TimeProvider time)
    {
        _logger = logger;
        _random = random;
        _time = time;
        _failedLog = new RateLimitedLog(new EventId(4101, nameof(LogMirrorFailed)), ForwardingLog.LinesPerInterval, ForwardingLog.Interval, time);
        _results = metrics.CreateCounter(
            MetricName,
            "Request copies for a route's mirrors, by mirror cluster and result: sent (a response came back, whatever its status), failed (no response), "
            + "dropped_overflow (too many copies in flight), dropped_body (body over the mirror buffer limit), no_cluster, no_healthy_upstream.",
            ["cluster", "result"]);
    }

    /// <summary>Copies in flight now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>
    /// Draws each mirror's share and starts the copies; returns once the body is buffered (when any share drew),
    /// before any copy completes. The request body is left rewound for the original.
    /// </summary>
    public async ValueTask MirrorAsync(HttpContext context, RouteModel route, ForwardActionModel action, WeightedClusterModel backend, MirrorModel[] mirrors,
        ProxySnapshot snapshot)
    {
        var drawn = 0UL;
        for (var i = 0; i < mirrors.Length; i++)
        {
            var percent = mirrors[i].Percent;
            if (percent >= 100 || percent > 0 && _random.NextDouble() * 100 < percent)
            {
                drawn |= 1UL << i;
            }
        }

        if (drawn == 0)
        {
            return;
        }

        var body = await BufferBodyAsync(context.Request);
        for (var i = 0; i < mirrors.Length; i++)
        {
            if ((drawn & (1UL << i)) == 0)
            {
                continue;
            }

            var clusterName = mirrors[i].Cluster;
            if (body is null)
            {
                Count(clusterName, "dropped_body");
            }
            else if (!snapshot.Clusters.TryGetValue(clusterName, out var cluster))
            {
                Count(clusterName, "no_cluster");
            }
            else if (EndpointPicker.Pick(cluster, _random) is not { } endpoint)
            {
                Count(clusterName, "no_healthy_upstream");
            }
            else if (Interlocked.Increment(ref _inFlight) > MaxInFlight)
            {
                Interlocked.Decrement(ref _inFlight);
                Count(clusterName, "dropped_overflow");
            }
            else
            {
                var copy = BuildCopy(context.Request, route, action, backend, cluster, endpoint, body);
                var timeout = action.Timeout > TimeSpan.Zero ? action.Timeout : DefaultTimeout;
                // Off the request's path: the copy's connection set-up must not run on the original's time.
                _ = Task.Run(() => SendAsync(copy, cluster, endpoint, timeout));
            }
        }
    }

    /// <summary>
    /// Envoy's shadow host: <c>-shadow</c> goes at the end of the host, before the port when there is one (a colon
    /// after any closing bracket of an IPv6 literal).
    /// </summary>
    public static string ShadowAuthority(string authority)
    {
        var colon = authority.LastIndexOf(':');
        if (colon < 0 || authority.LastIndexOf(']') > colon)
        {
            return authority + ShadowSuffix;
        }

        return string.Concat(authority.AsSpan(0, colon), ShadowSuffix, authority.AsSpan(colon));
    }

    /// <summary>
    /// The whole body, or null when it is larger than <see cref="MaxBodyBytes"/> or could not be read. What was read
    /// is put back in front of the rest for the original: a body read whole becomes an in-memory body, a longer one
    /// streams on after its first bytes, never spooled to disk. Retries keep their own copy as it is sent (the
    /// forwarder's replayable body), whatever the stream underneath.
    /// </summary>
    private static async ValueTask<byte[]?> BufferBodyAsync(HttpRequest request)
    {
        if (request.ContentLength is { } declared)
        {
            if (declared == 0)
            {
                return [];
            }

            if (declared > MaxBodyBytes)
            {
                return null;
            }
        }
        else if (request.HttpContext.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return [];
        }

        var original = request.Body;
        var buffer = new byte[request.ContentLength is { } length ? (int)length : MaxBodyBytes + 1];
        var total = 0;
        var complete = false;
        try
        {
            while (total < buffer.Length)
            {
                var read = await original.ReadAsync(buffer.AsMemory(total), request.HttpContext.RequestAborted);
                if (read == 0)
                {
                    complete = true;
                    break;
                }

                total += read;
            }

            // A declared length read in full is the whole body.
            complete |= request.ContentLength is not null;
        }
        catch (Exception e) when (e is BadHttpRequestException or IOException or OperationCanceledException)
        {
            // The original reads on from here, meets the same failure and answers it; the copy is not worth sending.
            request.Body = new PrefixedStream(buffer, total, original);
            return null;
        }

        if (!complete)
        {
            request.Body = new PrefixedStream(buffer, total, original);
            return null;
        }

        var body = total == buffer.Length ? buffer : buffer.AsSpan(0, total).ToArray();
        request.Body = new MemoryStream(body, writable: false);
        return body;
    }

    private static HttpRequestMessage BuildCopy(HttpRequest request, RouteModel route, ForwardActionModel action, WeightedClusterModel backend,
        ClusterModel cluster, EndpointModel endpoint, byte[] body)
    {
        var path = action.RewritesPath ? new PathString(PathRewriter.Rewrite(RouteMatchModel.PathOf(request), route.Match.Path, action)) : request.Path;
        var http2 = cluster.SendsHttp2(request);
        var copy = new HttpRequestMessage(new HttpMethod(request.Method), RequestUtilities.MakeDestinationAddress(endpoint.DestinationPrefix, path, request.QueryString))
        {
            Version = http2 ? System.Net.HttpVersion.Version20 : System.Net.HttpVersion.Version11,
            VersionPolicy = http2 ? HttpVersionPolicy.RequestVersionExact : HttpVersionPolicy.RequestVersionOrLower,
        };
        if (body.Length > 0 || request.ContentLength is not null)
        {
            copy.Content = new ByteArrayContent(body);
        }

        foreach (var (name, values) in request.Headers)
        {
            if (name.Length == 0 || name[0] == ':' || NotCopiedHeaders.Contains(name))
            {
                continue;
            }

            if (!copy.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values))
            {
                copy.Content?.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        copy.Headers.Host = ShadowAuthority(action.HostRewrite ?? request.Host.Value ?? "");
        // Envoy's order, as for the original: the destination's operations first, the route's last.
        backend.RequestHeaders.ApplyTo(copy);
        route.RequestHeaders.ApplyTo(copy);
        return copy;
    }

    private async Task SendAsync(HttpRequestMessage copy, ClusterModel cluster, EndpointModel endpoint, TimeSpan timeout)
    {
        endpoint.State.OnRequestStarted();
        cluster.Transport.Acquire();
        try
        {
            using var deadline = new CancellationTokenSource(timeout, _time);
            using var response = await cluster.Transport.Invoker.SendAsync(copy, deadline.Token);
            // Read to the end, so that the connection goes back to the pool.
            await response.Content.CopyToAsync(Stream.Null, deadline.Token);
            Count(cluster.Name, "sent");
        }
        catch (Exception e) when (e is HttpRequestException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            Count(cluster.Name, "failed");
            if (_failedLog.TryEnter(_logger, LogLevel.Warning))
            {
                LogMirrorFailed(_logger, $"{endpoint.Config.Address}:{endpoint.Config.Port}", cluster.Name, ForwardingFailures.Reason(e));
            }
        }
        finally
        {
            copy.Dispose();
            cluster.Transport.Release();
            endpoint.State.OnRequestEnded();
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private void Count(string cluster, string result) => _results.WithLabels(cluster, result).Inc();

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "mirror copy to {Endpoint} of cluster {Cluster} failed: {Reason}")]
    private static partial void LogMirrorFailed(ILogger logger, string endpoint, string cluster, string reason);
}
