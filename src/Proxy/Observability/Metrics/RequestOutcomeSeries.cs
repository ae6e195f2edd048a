using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>The four standard request series of one edge and one response outcome, resolved together once.</summary>
internal sealed class RequestOutcomeSeries(Counter.Child requests, Histogram.Child duration, Histogram.Child requestBytes, Histogram.Child responseBytes)
{
    public void Record(double durationMilliseconds, long requestBodyBytes, long responseBodyBytes)
    {
        requests.Inc();
        duration.Observe(durationMilliseconds);
        requestBytes.Observe(requestBodyBytes);
        responseBytes.Observe(responseBodyBytes);
    }
}
