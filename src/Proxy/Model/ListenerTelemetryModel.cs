using Mesh.Cel;
using Mesh.Proxy.Observability.Metrics;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Model;

/// <summary>
/// What Istio's Telemetry resources say of one listener's traffic, compiled with the listener: a null setting leaves
/// the proxy's flags (--access-log, --trace-sampling) in charge. Environment tags are read once, here.
/// </summary>
internal sealed class ListenerTelemetryModel
{
    public bool? AccessLog { get; init; }

    /// <summary>When set, a line is written only for the requests and connections it is true of.</summary>
    public CelExpression? AccessLogFilter { get; init; }

    /// <summary>0 to 100: the share of requests without a caller's decision that are traced.</summary>
    public double? SamplingPercent { get; init; }

    /// <summary>False: sampled requests get no spans, while their trace context and decision still travel on.</summary>
    public bool ReportSpans { get; init; } = true;

    /// <summary>False: spans leave out the istio.* tags.</summary>
    public bool IstioTags { get; init; } = true;

    public SpanTagModel[] CustomTags { get; init; } = [];

    /// <summary>Istio's standard metrics not recorded for this listener's traffic, and labels left out; null: all, whole.</summary>
    public MetricsPolicy? Metrics { get; init; }

    /// <summary>The tracing provider a Telemetry names for this listener's side; null: the proxy's own collector.</summary>
    public TraceProviderModel? TraceProvider { get; init; }
}

/// <summary>A Telemetry's tracing provider: its collector, or none (not defined, or not opentelemetry: its spans are not reported).</summary>
internal sealed record TraceProviderModel(string Name, TraceDestination? Destination);

/// <summary>An OTLP collector: the URL (with its path for HTTP), the transport, and for HTTP what each export carries.</summary>
internal readonly record struct TraceDestination(Uri Endpoint, bool OverHttp, OtlpHttpOptions? Http = null);

/// <summary>
/// An OTLP/HTTP export's headers (Istio's <c>http.headers</c>) and timeout (<c>http.timeout</c>; null: the exporter's
/// default); equal when their contents are, so that equal providers share one collector.
/// </summary>
internal sealed record OtlpHttpOptions(TimeSpan? Timeout, (string Name, string Value)[] Headers)
{
    public bool Equals(OtlpHttpOptions? other) =>
        ReferenceEquals(this, other) || (other is not null && Timeout == other.Timeout && Headers.AsSpan().SequenceEqual(other.Headers));

    public override int GetHashCode() => HashCode.Combine(Timeout, Headers.Length);
}

/// <summary>A custom span tag: a fixed value (a literal, or an environment variable read at compile time), or a request header's.</summary>
internal sealed record SpanTagModel(string Tag, string? Value, string? HeaderName, string DefaultValue)
{
    public string ValueFor(HttpRequest request)
    {
        if (HeaderName is null) return Value!;
        var header = request.Headers[HeaderName];
        return header.Count > 0 && !string.IsNullOrEmpty(header[0]) ? header.ToString() : DefaultValue;
    }
}
