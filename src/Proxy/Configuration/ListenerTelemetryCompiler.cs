using Mesh.Cel;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Configuration;

/// <summary>Compiles a listener's telemetry, rejecting a sampling percentage outside 0-100, a tag without a name, an unknown metric and a filter outside the CEL subset.</summary>
internal static class ListenerTelemetryCompiler
{
    public static ListenerTelemetryModel Compile(ListenerTelemetry telemetry, string path)
    {
        if (telemetry.HasTraceSamplingPercent && !(telemetry.TraceSamplingPercent is >= 0 and <= 100))
        {
            throw new ConfigRejectedException($"{path}.trace_sampling_percent: {telemetry.TraceSamplingPercent} is not a percentage from 0 to 100");
        }

        var tags = new SpanTagModel[telemetry.CustomTags.Count];
        for (var i = 0; i < tags.Length; i++)
        {
            var tag = telemetry.CustomTags[i];
            if (tag.Tag.Length == 0)
            {
                throw new ConfigRejectedException($"{path}.custom_tags[{i}].tag: a custom tag needs a name");
            }

            tags[i] = tag.Source switch
            {
                SpanTagSource.Literal => new SpanTagModel(tag.Tag, tag.Value, null, ""),
                SpanTagSource.Environment => new SpanTagModel(tag.Tag, Environment.GetEnvironmentVariable(tag.Value) is { Length: > 0 } value ? value : tag.DefaultValue, null, ""),
                SpanTagSource.RequestHeader => new SpanTagModel(tag.Tag, null, tag.Value, tag.DefaultValue),
                _ => throw new ConfigRejectedException($"{path}.custom_tags[{i}].source: unknown source {(int)tag.Source}"),
            };
        }

        var disabled = StandardMetrics.None;
        for (var i = 0; i < telemetry.DisabledMetrics.Count; i++)
        {
            disabled |= Metric(telemetry.DisabledMetrics[i], $"{path}.disabled_metrics[{i}]");
        }

        var removed = new Dictionary<StandardMetrics, int[]>();
        for (var i = 0; i < telemetry.RemovedMetricLabels.Count; i++)
        {
            var removal = telemetry.RemovedMetricLabels[i];
            var metric = Metric(removal.Metric, $"{path}.removed_metric_labels[{i}].metric");
            var names = (metric & TcpMetrics) != 0 ? IstioLabelNames.TcpArray : IstioLabelNames.RequestArray;
            // A label the metric does not carry has nothing to remove, as in Istio.
            var indices = removal.Labels.Select(label => Array.IndexOf(names, label)).Where(index => index >= 0).Distinct().ToArray();
            if (indices.Length > 0) removed[metric] = indices;
        }

        CelExpression? filter = null;
        if (telemetry.AccessLogFilter.Length > 0 && !CelExpression.TryParse(telemetry.AccessLogFilter, out filter, out var filterError))
        {
            throw new ConfigRejectedException($"{path}.access_log_filter: {filterError}");
        }

        TraceProviderModel? traceProvider = null;
        if (telemetry.TraceProvider is { } provider)
        {
            TraceDestination? destination = null;
            if (provider.OtlpEndpoint.Length > 0)
            {
                if (!Uri.TryCreate(provider.OtlpEndpoint, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps))
                {
                    throw new ConfigRejectedException($"{path}.trace_provider.otlp_endpoint: '{provider.OtlpEndpoint}' is not an http:// or https:// URL");
                }

                destination = new TraceDestination(endpoint, provider.OtlpOverHttp, HttpOptions(provider, $"{path}.trace_provider"));
            }

            traceProvider = new TraceProviderModel(provider.Name, destination);
        }

        return new ListenerTelemetryModel
        {
            TraceProvider = traceProvider,
            AccessLogFilter = filter,
            Metrics = disabled == StandardMetrics.None && removed.Count == 0 ? null : new MetricsPolicy(disabled, removed),
            AccessLog = telemetry.AccessLog switch
            {
                TelemetrySwitch.On => true,
                TelemetrySwitch.Off => false,
                TelemetrySwitch.Unset => null,
                _ => throw new ConfigRejectedException($"{path}.access_log: unknown value {(int)telemetry.AccessLog}"),
            },
            SamplingPercent = telemetry.HasTraceSamplingPercent ? telemetry.TraceSamplingPercent : null,
            ReportSpans = !telemetry.DisableSpanReporting,
            IstioTags = !telemetry.DisableIstioTags,
            CustomTags = tags,
        };
    }

    private const StandardMetrics TcpMetrics =
        StandardMetrics.TcpOpenedConnections | StandardMetrics.TcpClosedConnections | StandardMetrics.TcpSentBytes | StandardMetrics.TcpReceivedBytes;

    private static StandardMetrics Metric(IstioMetric metric, string path) => metric switch
    {
        IstioMetric.RequestCount => StandardMetrics.RequestCount,
        IstioMetric.RequestDuration => StandardMetrics.RequestDuration,
        IstioMetric.RequestSize => StandardMetrics.RequestSize,
        IstioMetric.ResponseSize => StandardMetrics.ResponseSize,
        IstioMetric.TcpOpenedConnections => StandardMetrics.TcpOpenedConnections,
        IstioMetric.TcpClosedConnections => StandardMetrics.TcpClosedConnections,
        IstioMetric.TcpSentBytes => StandardMetrics.TcpSentBytes,
        IstioMetric.TcpReceivedBytes => StandardMetrics.TcpReceivedBytes,
        var other => throw new ConfigRejectedException($"{path}: unknown metric {(int)other}"),
    };

    /// <summary>
    /// An HTTP provider's headers and timeout; null when it sets neither, or exports over gRPC (which carries neither).
    /// A header that could not be sent would fail every export, so it rejects the listener.
    /// </summary>
    private static OtlpHttpOptions? HttpOptions(TraceProvider provider, string path)
    {
        if (!provider.OtlpOverHttp || (provider.HttpHeaders.Count == 0 && provider.TimeoutMs == 0)) return null;
        var headers = new (string Name, string Value)[provider.HttpHeaders.Count];
        var i = 0;
        foreach (var (name, value) in provider.HttpHeaders)
        {
            if (name.Length == 0 || name.AsSpan().IndexOfAnyExcept(HeaderNameCharacters) >= 0)
            {
                throw new ConfigRejectedException($"{path}.http_headers: '{name}' is not an HTTP header name");
            }

            if (value.AsSpan().IndexOfAny('\r', '\n', '\0') >= 0)
            {
                throw new ConfigRejectedException($"{path}.http_headers[{name}]: a header value cannot hold a line break");
            }

            headers[i++] = (name, value);
        }

        return new OtlpHttpOptions(provider.TimeoutMs == 0 ? null : TimeSpan.FromMilliseconds(provider.TimeoutMs), headers);
    }

    // RFC 9110's token characters: what a header name may hold.
    private static readonly System.Buffers.SearchValues<char> HeaderNameCharacters =
        System.Buffers.SearchValues.Create("!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
}
