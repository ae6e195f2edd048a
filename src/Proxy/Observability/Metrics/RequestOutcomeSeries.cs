
namespace Mesh.Proxy.Observability.Metrics;

/// <summary>The four standard request series of one edge and one response outcome, resolved together once.</summary>
internal sealed class RequestOutcomeSeries(Counter requests, Histogram duration, Histogram requestBytes, Histogram responseBytes)
{
    public void Record(double durationMilliseconds, long requestBodyBytes, long responseBodyBytes)
    {
        requests.Increment();
        duration.Observe(durationMilliseconds);
        requestBytes.Observe(requestBodyBytes);
        responseBytes.Observe(responseBodyBytes);
    }
}
