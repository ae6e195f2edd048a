using System.Collections.Concurrent;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// The standard request metrics of one (reporter, source, destination) edge. Resolve it once per peer and route and
/// keep it: recording an outcome already seen is a dictionary hit on a struct key plus lock-free increments.
/// </summary>
internal sealed class RequestEdge
{
    private readonly IstioStandardMetrics _metrics;
    private readonly string[] _values;
    private readonly ConcurrentDictionary<ResponseOutcome, RequestOutcomeSeries> _outcomes = new();

    internal RequestEdge(IstioStandardMetrics metrics, RequestEdgeLabels labels)
    {
        _metrics = metrics;
        _values = labels.ToRequestValues();
        Labels = labels;
    }

    public RequestEdgeLabels Labels { get; }

    /// <summary>Records one finished request.</summary>
    /// <param name="responseCode">The HTTP status sent downstream; 0 when none was (Envoy's convention).</param>
    /// <param name="grpcStatus">The gRPC status code as text for gRPC requests; null otherwise.</param>
    /// <param name="responseFlags">Envoy's response flags, e.g. <c>UF,URX</c>; null or empty for none (<c>-</c>).</param>
    /// <param name="policy">What the listener's Telemetry says of the standard metrics; null: all of them, labels whole.</param>
    public void Record(int responseCode, string? grpcStatus, string? responseFlags, double durationMilliseconds, long requestBodyBytes, long responseBodyBytes,
        MetricsPolicy? policy = null)
    {
        var outcome = new ResponseOutcome(
            responseCode,
            grpcStatus ?? IstioLabelValues.NoGrpcStatus,
            string.IsNullOrEmpty(responseFlags) ? IstioLabelValues.NoResponseFlags : responseFlags);
        if (!_outcomes.TryGetValue(outcome, out var series))
        {
            series = _outcomes.GetOrAdd(outcome, static (key, edge) => edge.Resolve(key), this);
        }

        series.Record(durationMilliseconds, requestBodyBytes, responseBodyBytes, policy);
    }

    private RequestOutcomeSeries Resolve(ResponseOutcome outcome)
    {
        var values = (string[])_values.Clone();
        values[IstioLabelNames.ResponseCodeIndex] = ResponseCodeText.Of(outcome.ResponseCode);
        values[IstioLabelNames.GrpcStatusIndex] = outcome.GrpcStatus;
        values[IstioLabelNames.ResponseFlagsIndex] = outcome.ResponseFlags;
        return _metrics.ResolveOutcome(values);
    }
}
