using ContractOutlierDetection = Mesh.Contracts.Discovery.OutlierDetection;

namespace Mesh.Proxy.Model;

/// <summary>
/// Envoy's consecutive-error outlier detection for one cluster. Requests report each attempt's result; the run of
/// errors that reaches a threshold ejects the endpoint at once, unless max_ejection_percent of the cluster is ejected
/// already. A sweep every interval returns each endpoint whose ejection time (base time × times ejected, capped) is
/// up, and lowers the multiplier of endpoints that stayed healthy for an interval. Lives in the cluster's
/// <see cref="ClusterState"/> across snapshots; <see cref="Version"/> changes whenever the set of ejected endpoints
/// does, so that load balancing rebuilds its list of available endpoints only then.
/// </summary>
internal sealed class OutlierDetector : IDisposable
{
    private readonly string _cluster;
    private readonly TimeProvider _time;
    private readonly IOutlierEventSink? _events;
    private readonly Lock _sweepLock = new();
    private ContractOutlierDetection _settings;
    private EndpointModel[] _endpoints;
    private ITimer? _timer;
    private TimeSpan _interval;
    private int _ejected;
    private int _version;

    /// <param name="events">Where ejections are logged and counted; null: nowhere.</param>
    public OutlierDetector(string cluster, ContractOutlierDetection settings, EndpointModel[] endpoints, TimeProvider time, IOutlierEventSink? events)
    {
        _cluster = cluster;
        _time = time;
        _events = events;
        _settings = settings;
        _endpoints = endpoints;
        Track(settings, endpoints);
    }

    /// <summary>Changes whenever an endpoint is ejected or returns.</summary>
    public int Version => Volatile.Read(ref _version);

    public int EjectedCount => Volatile.Read(ref _ejected);

    public ContractOutlierDetection Settings => Volatile.Read(ref _settings);

    /// <summary>The cluster's new settings and endpoints, once its snapshot is the one served.</summary>
    public void Track(ContractOutlierDetection settings, EndpointModel[] endpoints)
    {
        lock (_sweepLock)
        {
            Volatile.Write(ref _settings, settings);
            Volatile.Write(ref _endpoints, endpoints);
            var ejected = 0;
            foreach (var endpoint in endpoints)
            {
                if (endpoint.State.Outlier.IsEjected) ejected++;
            }

            Volatile.Write(ref _ejected, ejected);
            Interlocked.Increment(ref _version);
            _events?.EjectionsActive(_cluster, ejected);

            var interval = TimeSpan.FromMilliseconds(settings.IntervalMs);
            if (_timer is null || interval != _interval)
            {
                _interval = interval;
                _timer?.Dispose();
                _timer = _time.CreateTimer(static state => ((OutlierDetector)state!).Sweep(), this, interval, interval);
            }
        }
    }

    /// <summary>An upstream response to an attempt on <paramref name="endpoint"/>.</summary>
    public void OnResponse(EndpointModel endpoint, int statusCode)
    {
        var settings = Volatile.Read(ref _settings);
        var state = endpoint.State.Outlier;
        if (settings.SplitExternalLocalOriginErrors)
        {
            state.OnLocalOriginSuccess();
        }

        if (statusCode >= 500)
        {
            OnError(endpoint, settings, isGatewayError: statusCode is 502 or 503 or 504);
        }
        else
        {
            state.OnSuccess();
        }
    }

    /// <summary>
    /// No response: the connection failed, was reset, or the attempt timed out. Counted apart when local-origin errors
    /// are split; otherwise as Envoy maps them, a 503 (504 for a timeout): both a 5xx and a gateway error.
    /// </summary>
    public void OnLocalOriginFailure(EndpointModel endpoint)
    {
        var settings = Volatile.Read(ref _settings);
        if (!settings.SplitExternalLocalOriginErrors)
        {
            OnError(endpoint, settings, isGatewayError: true);
            return;
        }

        var count = endpoint.State.Outlier.OnLocalOriginFailure();
        if (settings.ConsecutiveLocalOriginFailure > 0 && count == settings.ConsecutiveLocalOriginFailure)
        {
            Eject(endpoint, settings, EjectionType.ConsecutiveLocalOriginFailure, settings.ConsecutiveLocalOriginFailure);
        }
    }

    public void Dispose()
    {
        lock (_sweepLock)
        {
            _timer?.Dispose();
            _timer = null;
            foreach (var endpoint in _endpoints)
            {
                if (endpoint.State.Outlier.IsEjected) endpoint.State.Outlier.Uneject(_time.GetUtcNow());
            }
        }
    }

    private void OnError(EndpointModel endpoint, ContractOutlierDetection settings, bool isGatewayError)
    {
        var state = endpoint.State.Outlier;
        // Envoy's order: the gateway run first, then the 5xx run; an endpoint is ejected once, for whichever comes first.
        if (isGatewayError)
        {
            var gateway = state.OnGatewayFailure();
            if (settings.ConsecutiveGatewayFailure > 0 && gateway == settings.ConsecutiveGatewayFailure)
            {
                Eject(endpoint, settings, EjectionType.ConsecutiveGatewayFailure, settings.ConsecutiveGatewayFailure);
            }
        }
        else
        {
            state.OnNonGatewayError();
        }

        var errors = state.On5xx();
        if (settings.Consecutive5Xx > 0 && errors == settings.Consecutive5Xx)
        {
            Eject(endpoint, settings, EjectionType.Consecutive5xx, settings.Consecutive5Xx);
        }
    }

    private void Eject(EndpointModel endpoint, ContractOutlierDetection settings, EjectionType type, uint count)
    {
        var state = endpoint.State.Outlier;
        if (state.IsEjected)
        {
            return;
        }

        // Envoy's cap: eject only while the ejected share of the cluster is below max_ejection_percent, so the first
        // ejection always happens, however small the cluster.
        var total = Volatile.Read(ref _endpoints).Length;
        int ejected;
        do
        {
            ejected = Volatile.Read(ref _ejected);
            if (total == 0 || (long)ejected * 100 >= (long)total * settings.MaxEjectionPercent)
            {
                _events?.EjectionRefused(_cluster, endpoint.Key, type, count, ejected, total, settings.MaxEjectionPercent);
                return;
            }
        }
        while (Interlocked.CompareExchange(ref _ejected, ejected + 1, ejected) != ejected);

        // Under the sweep's lock (ejections are rare): the sweep never sees an ejection half made.
        lock (_sweepLock)
        {
            if (!state.TryEject(_time.GetUtcNow()))
            {
                Interlocked.Decrement(ref _ejected);
                return;
            }

            if ((long)state.EjectionMultiplier * settings.BaseEjectionTimeMs < settings.MaxEjectionTimeMs)
            {
                state.EjectionMultiplier++;
            }
        }

        Interlocked.Increment(ref _version);
        _events?.Ejected(_cluster, endpoint.Key, type, count, EjectionTime(state, settings), state.EjectionMultiplier, Volatile.Read(ref _ejected), total);
    }

    private static TimeSpan EjectionTime(EndpointOutlierState state, ContractOutlierDetection settings) =>
        TimeSpan.FromMilliseconds(Math.Min((long)settings.BaseEjectionTimeMs * state.EjectionMultiplier, settings.MaxEjectionTimeMs));

    private void Sweep()
    {
        lock (_sweepLock)
        {
            var settings = _settings;
            var now = _time.GetUtcNow();
            var interval = TimeSpan.FromMilliseconds(settings.IntervalMs);
            var changed = false;
            foreach (var endpoint in _endpoints)
            {
                var state = endpoint.State.Outlier;
                if (state.IsEjected)
                {
                    var ejectedFor = now - state.EjectedAt;
                    if (ejectedFor >= EjectionTime(state, settings))
                    {
                        state.Uneject(now);
                        Interlocked.Decrement(ref _ejected);
                        changed = true;
                        _events?.Unejected(_cluster, endpoint.Key, ejectedFor);
                    }
                }
                else if (state.EjectionMultiplier > 0 && state.UnejectedAt is { } unejectedAt && unejectedAt + interval <= now)
                {
                    // Healthy for an interval since it returned: Envoy lowers the next ejection's multiplier by one.
                    state.EjectionMultiplier--;
                }
            }

            if (changed)
            {
                Interlocked.Increment(ref _version);
                _events?.EjectionsActive(_cluster, Volatile.Read(ref _ejected));
            }
        }
    }
}
