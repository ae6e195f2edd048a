using Mesh.Proxy.Observability.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Mesh.Proxy.Overload;

/// <summary>
/// Envoy's overload manager for memory, with the heap budget as its one resource. Requests in flight are capped at
/// what the budget holds (<see cref="BytesPerActiveRequest"/> each): a burst arrives faster than any heap reading, and
/// without the cap 2,000 concurrent streams took a gateway with a 96 MB heap limit to OutOfMemoryException and down.
/// Behind the cap, a fixed-heap monitor read every 250 ms: at 90% of the budget the heap is shrunk (a full,
/// compacting collection that gives free memory back; at most once a second); at 95% after that, new requests are
/// refused until the heap is below 90% again. Refused requests are answered 503 with flag OM; requests in flight
/// finish. docs/operations.md ("Memory") says how the figures were measured.
/// </summary>
internal sealed class OverloadManager : BackgroundService
{
    public const double ShrinkHeapThreshold = 0.90;
    public const double StopAcceptingRequestsThreshold = 0.95;
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan MinShrinkInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// What one request in flight costs the heap, with room to spare: measured through the gateway with small bodies
    /// at some 130 KiB (its HTTP/2 stream state on both sides, headers, YARP's 64 KiB body copy buffer, and what its
    /// connections buffer), and 614 requests (160 KiB each) still ran a 96 MB heap out of memory now and then.
    /// Budget / this = the cap on requests in flight.
    /// </summary>
    public const long BytesPerActiveRequest = 256 * 1024;

    /// <summary>The least budget the GC's limit gives by default: as little as --max-heap-mb allows.</summary>
    public const long MinDefaultBudget = 16 * 1024 * 1024;

    /// <summary>A stretch with no request refused at the cap that ends an episode: one line each way, not one per reading.</summary>
    public static readonly TimeSpan CapEpisodeQuietTime = TimeSpan.FromSeconds(5);

    private readonly IHeapMonitor _heap;
    private readonly OverloadOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Gauge _used;
    private readonly Gauge _budget;
    private readonly Counter _shrinks;
    private readonly Gauge.Child _refusingRequests;
    private readonly Gauge _activeRequests;
    private readonly Gauge _maxActiveRequests;
    private long _outsideHeap;
    private long _lastShrink = long.MinValue;
    private long _refusingSince;
    private volatile bool _refusing;
    private int _active;
    private int _maxActive = int.MaxValue;
    private int _refusedAtCap;
    private int _refusedAtCapInEpisode;
    private long _lastRefusedAtCap;

    public OverloadManager(IHeapMonitor heap, OverloadOptions options, TimeProvider time, CollectorRegistry registry, ILogger<OverloadManager> logger)
    {
        _heap = heap;
        _options = options;
        _time = time;
        _logger = logger;
        var factory = Metrics.WithCustomRegistry(registry);
        _used = factory.CreateGauge("mesh_overload_heap_used_bytes", "Managed heap in use (live and not yet collected), as the overload manager last read it.");
        _budget = factory.CreateGauge("mesh_overload_heap_budget_bytes", "The heap budget the overload manager acts on (--max-heap-mb, or the GC's limit less what the process holds outside its heap).");
        _shrinks = factory.CreateCounter("mesh_overload_heap_shrinks_total", "Full compacting collections the overload manager ran because the heap passed 90% of its budget.");
        _activeRequests = factory.CreateGauge("mesh_overload_active_requests", "Requests in flight on all listeners, as the overload manager last read them.");
        _maxActiveRequests = factory.CreateGauge("mesh_overload_max_active_requests", "The most requests the heap budget lets be in flight at once (budget / 256 KiB).");
        _refusingRequests = factory.CreateGauge("mesh_overload_action_active", "1 while an overload action is active (Envoy's overload.<action>.active).", "action")
            .WithLabels("stop_accepting_requests");
    }

    /// <summary>
    /// Admits a new request, or refuses it (the cap on requests in flight is reached, or the heap is over its budget).
    /// The data path's only cost: a volatile read and an interlocked increment; no lock, no clock. An admitted request
    /// must be ended with <see cref="EndRequest"/>.
    /// </summary>
    public bool TryStartRequest()
    {
        if (_refusing)
        {
            return false;
        }

        if (Interlocked.Increment(ref _active) > Volatile.Read(ref _maxActive))
        {
            Interlocked.Decrement(ref _active);
            Interlocked.Increment(ref _refusedAtCap);
            return false;
        }

        return true;
    }

    public void EndRequest() => Interlocked.Decrement(ref _active);

    /// <summary>Requests in flight on all listeners now.</summary>
    public int ActiveRequests => Volatile.Read(ref _active);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var setting in IgnoredGcSettings.In(Environment.GetEnvironmentVariables(), IgnoredGcSettings.CompiledAheadOfTime))
        {
            OverloadLog.GcSettingIgnored(_logger, setting.Name, setting.Value, setting.Digits);
        }
        MeasureOutsideHeap();
        var budget = BudgetBytes();
        if (budget <= 0)
        {
            return;
        }

        var maxActive = MaxActiveRequests(budget);
        Volatile.Write(ref _maxActive, maxActive);
        OverloadLog.Started(_logger, budget / (1024 * 1024),
            _options.MaxHeapBytes is null ? $"the GC's limit less {_outsideHeap / (1024 * 1024)} MB outside the heap" : "--max-heap-mb",
            maxActive, _heap.UsedBytes() / (1024 * 1024));
        using var timer = new PeriodicTimer(RefreshInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                Evaluate();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One reading and the actions it calls for; the timer's tick, and tests'.</summary>
    internal void Evaluate()
    {
        if (_options.MaxHeapBytes is null)
        {
            MeasureOutsideHeap();
        }

        var budget = BudgetBytes();
        if (budget <= 0)
        {
            return;
        }

        var now = _time.GetTimestamp();

        Volatile.Write(ref _maxActive, MaxActiveRequests(budget));
        _maxActiveRequests.Set(_maxActive);
        _activeRequests.Set(Volatile.Read(ref _active));
        ReportCapEpisode(now);

        var used = _heap.UsedBytes();
        if (used >= ShrinkHeapThreshold * budget
            && (_lastShrink == long.MinValue || _time.GetElapsedTime(_lastShrink, now) >= MinShrinkInterval))
        {
            _heap.Shrink();
            _shrinks.Inc();
            _lastShrink = now;
            used = _heap.UsedBytes();
        }

        _used.Set(used);
        _budget.Set(budget);
        var pressure = (double)used / budget;
        if (!_refusing && pressure >= StopAcceptingRequestsThreshold)
        {
            _refusing = true;
            _refusingSince = now;
            _refusingRequests.Set(1);
            OverloadLog.StopAcceptingRequests(_logger, pressure * 100, budget / (1024 * 1024), ShrinkHeapThreshold * 100);
        }
        else if (_refusing && pressure < ShrinkHeapThreshold)
        {
            // Below the shrink threshold, not just below 95%: a heap hovering at the line would flap every reading.
            _refusing = false;
            _refusingRequests.Set(0);
            OverloadLog.AcceptingRequestsAgain(_logger, pressure * 100, _time.GetElapsedTime(_refusingSince, now).TotalSeconds);
        }
    }

    /// <summary>One line when requests start being refused at the cap, one when none has been for <see cref="CapEpisodeQuietTime"/>.</summary>
    private void ReportCapEpisode(long now)
    {
        var refused = Interlocked.Exchange(ref _refusedAtCap, 0);
        if (refused > 0)
        {
            if (_refusedAtCapInEpisode == 0)
            {
                OverloadLog.AtActiveRequestsCap(_logger, _maxActive);
            }

            _refusedAtCapInEpisode += refused;
            _lastRefusedAtCap = now;
        }
        else if (_refusedAtCapInEpisode > 0 && _time.GetElapsedTime(_lastRefusedAtCap, now) >= CapEpisodeQuietTime)
        {
            OverloadLog.BelowActiveRequestsCap(_logger, _maxActive, _refusedAtCapInEpisode);
            _refusedAtCapInEpisode = 0;
        }
    }

    private static int MaxActiveRequests(long budget) => (int)Math.Clamp(budget / BytesPerActiveRequest, 1, int.MaxValue);

    /// <summary>
    /// What the process holds besides its heap (code, the runtime, stacks, native TLS): 60 MB at start, 95 MB once
    /// warm, for the proxy. The GC's limit in a container is 75% of its memory limit, for the heap alone; with this
    /// much outside it, a heap let grow to that limit would take a 256 MB pod past its limit. So by default the
    /// budget leaves it room, measured at every reading.
    /// </summary>
    private void MeasureOutsideHeap() => _outsideHeap = Math.Max(0, _heap.ResidentBytes() - _heap.CommittedBytes());

    private long BudgetBytes() => _options.MaxHeapBytes ?? Math.Max(_heap.LimitBytes() - _outsideHeap, MinDefaultBudget);
}
