// Where this proxy's spans go: its own collector, and the ones its listeners' Telemetry tracing providers name.
using System.Collections.Concurrent;
using System.Diagnostics;
using Mesh.Proxy.Model;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// One <see cref="ActivitySource"/> per collector the proxy exports to: <see cref="Default"/> for its own
/// (<c>--otlp-endpoint</c>), and one per Telemetry tracing provider its listeners name, made on the first span for it
/// and kept for the proxy's life. Each source's spans go to that collector alone, as each collector's
/// <see cref="ProxySpanProcessor"/> keeps only its own source's spans, so choosing the source chooses the collector
/// without any per-span lookup after the span starts. At most <see cref="MaxCollectors"/> collectors: a provider past
/// them reports no spans, with one warning.
/// </summary>
internal sealed class SpanExports : IDisposable
{
    public const int MaxCollectors = 8;

    // Destinations past the limit that are remembered as unreported; any more take the lock on each sampled span.
    private const int MaxRemembered = 64;

    private readonly Action<TraceDestination, ActivitySource> _attach;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<TraceDestination, ActivitySource?> _sources = new();
    private readonly Lock _gate = new();
    private int _collectors;
    private bool _warnedFull;

    /// <param name="defaultSource">The source of the proxy's own collector; null when it has none.</param>
    /// <param name="attach">Starts exporting one source's spans to a destination.</param>
    public SpanExports(ActivitySource? defaultSource, Action<TraceDestination, ActivitySource> attach, ILogger logger)
    {
        Default = defaultSource;
        _attach = attach;
        _logger = logger;
    }

    /// <summary>The proxy's own collector's source, for listeners whose Telemetry names no provider; null: no export.</summary>
    public ActivitySource? Default { get; }

    /// <summary>The source whose spans reach this listener's collector; null when its spans are not reported.</summary>
    public ActivitySource? For(ListenerTelemetryModel? telemetry)
    {
        if (telemetry?.TraceProvider is not { } provider) return Default;
        if (provider.Destination is not { } destination) return null;
        return _sources.TryGetValue(destination, out var source) ? source : Add(destination);
    }

    /// <summary>The transport, and an HTTP export's header names (never values: often a key) and timeout, for the log.</summary>
    private static string Describe(TraceDestination destination)
    {
        if (!destination.OverHttp) return "grpc";
        if (destination.Http is not { } http) return "http/protobuf";
        var names = new string[http.Headers.Length];
        for (var i = 0; i < names.Length; i++) names[i] = http.Headers[i].Name;
        var headers = names.Length == 0 ? "no headers" : "headers " + string.Join(", ", names);
        return http.Timeout is { } timeout ? $"http/protobuf, {headers}, timeout {timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s" : $"http/protobuf, {headers}";
    }

    private ActivitySource? Add(TraceDestination destination)
    {
        lock (_gate)
        {
            if (_sources.TryGetValue(destination, out var existing)) return existing;
            ActivitySource? source = null;
            if (_collectors < MaxCollectors)
            {
                source = new ActivitySource(ProxyActivitySource.Name, ProxyActivitySource.Version);
                try
                {
                    _attach(destination, source);
                }
                catch (ObjectDisposedException)
                {
                    // The proxy is stopping: its TracerProvider is gone, and so is any span this would have exported.
                    source.Dispose();
                    return null;
                }

                _collectors++;
                SpanExporterLog.CollectorAdded(_logger, destination.Endpoint, Describe(destination));
            }
            else if (!_warnedFull)
            {
                _warnedFull = true;
                SpanExporterLog.TooManyCollectors(_logger, MaxCollectors, destination.Endpoint);
            }

            // Past the limit a destination is remembered as unreported, up to a bound, so that its spans skip this lock.
            if (source is not null || _sources.Count < MaxRemembered) _sources[destination] = source;
            return source;
        }
    }

    public void Dispose()
    {
        foreach (var source in _sources.Values) source?.Dispose();
    }
}
