using Prometheus;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>One route's series: requests by response code class (resolved on first use), duration and retries.</summary>
internal sealed class RouteSeries
{
    // 1xx to 5xx, then "other" for anything else, such as 0 when no response was sent.
    private static readonly string[] Classes = ["1xx", "2xx", "3xx", "4xx", "5xx", "other"];

    private readonly CappedFamily<Counter.Child> _requests;
    private readonly string[] _values;
    private readonly Counter.Child?[] _byClass = new Counter.Child?[Classes.Length];
    private readonly Histogram.Child _duration;
    private readonly Counter.Child _retries;

    internal RouteSeries(CappedFamily<Counter.Child> requests, string[] values, Histogram.Child duration, Counter.Child retries)
    {
        _requests = requests;
        _values = values;
        _duration = duration;
        _retries = retries;
    }

    public void RecordRequest(int responseCode, double durationMilliseconds)
    {
        var index = responseCode is >= 100 and < 600 ? (responseCode / 100) - 1 : Classes.Length - 1;

        // A race here resolves the same series twice, which the family makes harmless.
        var counter = Volatile.Read(ref _byClass[index]) ?? ResolveClass(index);
        counter.Inc();
        _duration.Observe(durationMilliseconds);
    }

    public void RecordRetry() => _retries.Inc();

    private Counter.Child ResolveClass(int index)
    {
        var counter = _requests.WithLabels([.. _values, Classes[index]]);
        Volatile.Write(ref _byClass[index], counter);
        return counter;
    }
}
