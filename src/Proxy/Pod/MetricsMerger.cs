using System.Buffers;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Mesh.Proxy.Pod;

/// <summary>
/// The status port's /stats/prometheus: the proxy's own metrics (the registry --metrics-port serves) followed by the
/// application's, scraped where $ISTIO_PROMETHEUS_ANNOTATIONS says, as Istio's agent concatenates them. A failed
/// application scrape never fails ours: it is counted (istio_agent_scrape_failures_total{type="application"}) and
/// logged once per episode. Bounded: the scrape's timeout, the application's body size, the scrapes in flight.
/// </summary>
internal sealed class MetricsMerger : IDisposable
{
    public const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";

    /// <summary>What of the application's exposition is taken; a larger one is a failed scrape (a cut one would not parse).</summary>
    public const int MaxAppBodyBytes = 10 * 1024 * 1024;

    private const int MaxScrapesInFlight = 4;
    private const string TimeoutHeader = "X-Prometheus-Scrape-Timeout-Seconds";
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxTimeout = TimeSpan.FromSeconds(60);

    private readonly CollectorRegistry _registry;
    private readonly Uri? _appUrl;
    private readonly HttpMessageInvoker _http = new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false });
    private readonly Counter _scrapes;
    private readonly Counter.Child _appFailures;
    private readonly ILogger<MetricsMerger> _logger;
    private int _inFlight;
    private int _appFailing;

    public MetricsMerger(CollectorRegistry registry, ProxyOptions options, ILogger<MetricsMerger> logger)
    {
        _registry = registry;
        _logger = logger;
        // Istio's scrape URL: the application on localhost.
        _appUrl = options.Status.AppMetrics is { } app ? new Uri($"http://127.0.0.1:{app.Port}{app.Path}") : null;
        var factory = Metrics.WithCustomRegistry(registry);
        _scrapes = factory.CreateCounter("istio_agent_scrapes_total", "The total number of scrapes.");
        _appFailures = factory.CreateCounter("istio_agent_scrape_failures_total", "The total number of failed scrapes.", "type").WithLabels("application");
    }

    public void Dispose() => _http.Dispose();

    public async Task WriteAsync(HttpContext context)
    {
        if (Interlocked.Increment(ref _inFlight) > MaxScrapesInFlight)
        {
            Interlocked.Decrement(ref _inFlight);
            StatusLog.TooManyScrapes(_logger, MaxScrapesInFlight);
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        try
        {
            _scrapes.Inc();
            var (appBody, appLength, contentType) = _appUrl is null ? (null, 0, TextFormat) : await ScrapeAppAsync(_appUrl, context);
            try
            {
                context.Response.ContentType = contentType;
                await _registry.CollectAndExportAsTextAsync(context.Response.Body, ExpositionFormat.PrometheusText, context.RequestAborted);
                if (appBody is not null)
                {
                    // Last, as Istio's agent: an OpenMetrics exposition ends with "# EOF".
                    await context.Response.Body.WriteAsync(appBody.AsMemory(0, appLength), context.RequestAborted);
                }
            }
            finally
            {
                if (appBody is not null)
                {
                    ArrayPool<byte>.Shared.Return(appBody);
                }
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    /// <summary>The application's exposition in a pooled buffer, and the content type to serve the merge as; a null buffer when it failed.</summary>
    private async Task<(byte[]? Body, int Length, string ContentType)> ScrapeAppAsync(Uri url, HttpContext context)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        timeout.CancelAfter(ScrapeTimeout(context.Request.Headers));
        byte[]? body = null;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            // Ours is text format 0.0.4 only: ask the application for the same, so that the merge is one format.
            request.Headers.TryAddWithoutValidation("Accept", "text/plain;version=0.0.4");
            foreach (var name in (string[])["User-Agent", TimeoutHeader])
            {
                if (context.Request.Headers.TryGetValue(name, out var value))
                {
                    request.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)value);
                }
            }

            using var response = await _http.SendAsync(request, timeout.Token);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new HttpRequestException($"status {(int)response.StatusCode}");
            }

            if (response.Content.Headers.ContentLength > MaxAppBodyBytes)
            {
                throw new InvalidDataException($"{response.Content.Headers.ContentLength} bytes, more than {MaxAppBodyBytes}");
            }

            body = ArrayPool<byte>.Shared.Rent(64 * 1024);
            var length = 0;
            await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
            while (true)
            {
                // A rented array may be larger than asked for: the limit, not its length, bounds what is read.
                var capacity = Math.Min(body.Length, MaxAppBodyBytes);
                if (length == capacity)
                {
                    if (capacity == MaxAppBodyBytes)
                    {
                        // One byte more than the limit tells a body of exactly the limit from a larger one.
                        if (await stream.ReadAsync(new byte[1], timeout.Token) > 0)
                        {
                            throw new InvalidDataException($"more than {MaxAppBodyBytes} bytes");
                        }

                        break;
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(body.Length * 2, MaxAppBodyBytes));
                    body.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(body);
                    body = larger;
                    continue;
                }

                var read = await stream.ReadAsync(body.AsMemory(length, capacity - length), timeout.Token);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (Interlocked.Exchange(ref _appFailing, 0) == 1)
            {
                StatusLog.AppScrapeRecovered(_logger, url.ToString());
            }

            var result = (body, length, NegotiatedFormat(response.Content.Headers.ContentType?.ToString()));
            body = null;
            return result;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or InvalidDataException
            || (ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested))
        {
            _appFailures.Inc();
            if (Interlocked.Exchange(ref _appFailing, 1) == 0)
            {
                StatusLog.AppScrapeFailing(_logger, url.ToString(), ex is OperationCanceledException ? "no answer in time" : ex.GetBaseException().Message);
            }

            return (null, 0, TextFormat);
        }
        finally
        {
            if (body is not null)
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
    }

    /// <summary>Prometheus' scrape timeout header when it sends one (capped), else 10 s.</summary>
    private static TimeSpan ScrapeTimeout(IHeaderDictionary headers) =>
        double.TryParse(headers[TimeoutHeader], NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? TimeSpan.FromSeconds(Math.Min(seconds, MaxTimeout.TotalSeconds))
            : DefaultTimeout;

    /// <summary>Istio's rule: the merge is served in the application's format (an OpenMetrics exposition stays one), else text.</summary>
    private static string NegotiatedFormat(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith("application/openmetrics-text", StringComparison.OrdinalIgnoreCase))
        {
            return TextFormat;
        }

        return contentType.Contains("version=1.0.0", StringComparison.Ordinal)
            ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
            : "application/openmetrics-text; version=0.0.1; charset=utf-8";
    }
}
