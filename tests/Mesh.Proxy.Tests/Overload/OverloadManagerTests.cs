using Mesh.Proxy.Overload;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace Mesh.Proxy.Tests.Overload;

/// <summary>The overload manager's decisions on heap readings given by hand: when it shrinks, refuses and accepts again.</summary>
public sealed class OverloadManagerTests
{
    private const long Mb = 1024 * 1024;
    private const long Budget = 100 * Mb;

    private readonly FakeHeap _heap = new();
    private readonly FakeTimeProvider _time = new();
    private readonly LogCapture _log = new();
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly OverloadManager _manager;

    public OverloadManagerTests()
    {
        _manager = new OverloadManager(_heap, new OverloadOptions { MaxHeapBytes = Budget }, _time, _registry, new LoggerFactory([_log]).CreateLogger<OverloadManager>());
    }

    [Fact]
    public void Evaluate_BelowTheShrinkThreshold_NeitherShrinksNorRefuses()
    {
        _heap.Used = (long)(0.89 * Budget);

        _manager.Evaluate();

        Assert.Equal(0, _heap.Shrinks);
        Assert.True(Admits(_manager));
    }

    [Fact]
    public void Evaluate_OverStopThresholdButMostlyGarbage_ShrinksAndKeepsAccepting()
    {
        _heap.Used = (long)(0.97 * Budget);
        _heap.LiveAfterShrink = (long)(0.40 * Budget);

        _manager.Evaluate();

        Assert.Equal(1, _heap.Shrinks);
        Assert.True(Admits(_manager));
        Assert.DoesNotContain(_log.Lines, l => l.EventId == 5002);
    }

    [Fact]
    public void Evaluate_LiveHeapOverStopThreshold_RefusesLogsOnceAndSetsTheActionGauge()
    {
        _heap.Used = _heap.LiveAfterShrink = (long)(0.96 * Budget);

        _manager.Evaluate();
        _time.Advance(OverloadManager.RefreshInterval);
        _manager.Evaluate();

        Assert.False(Admits(_manager));
        var line = Assert.Single(_log.Lines, l => l.EventId == 5002);
        Assert.Equal("overload manager: heap at 96% of its 100 MB budget after a full collection: new requests are answered 503 (OM) until it is below 90%", line.Message);
        Assert.Equal(1, ActionGauge());
    }

    [Fact]
    public void Evaluate_RefusingThenBetweenTheThresholds_KeepsRefusingUntilBelowTheShrinkThreshold()
    {
        _heap.Used = _heap.LiveAfterShrink = (long)(0.96 * Budget);
        _manager.Evaluate();

        _heap.Used = _heap.LiveAfterShrink = (long)(0.92 * Budget);
        _time.Advance(TimeSpan.FromSeconds(2));
        _manager.Evaluate();
        Assert.False(Admits(_manager));

        _heap.Used = _heap.LiveAfterShrink = (long)(0.50 * Budget);
        _time.Advance(TimeSpan.FromSeconds(2));
        _manager.Evaluate();

        Assert.True(Admits(_manager));
        var line = Assert.Single(_log.Lines, l => l.EventId == 5003);
        Assert.Equal("overload manager: heap at 50% of its budget: accepting requests again, after refusing them for 4 s", line.Message);
        Assert.Equal(0, ActionGauge());
    }

    [Fact]
    public void Evaluate_OverTheShrinkThresholdEveryReading_ShrinksAtMostOnceASecond()
    {
        _heap.Used = _heap.LiveAfterShrink = (long)(0.93 * Budget);

        for (var i = 0; i < 4; i++)
        {
            _manager.Evaluate();
            _time.Advance(OverloadManager.RefreshInterval);
        }

        Assert.Equal(1, _heap.Shrinks);
        _manager.Evaluate();
        Assert.Equal(2, _heap.Shrinks);
    }

    [Fact]
    public void Evaluate_NoBudget_DoesNothing()
    {
        var heap = new FakeHeap { Used = long.MaxValue / 2 };
        var manager = new OverloadManager(heap, new OverloadOptions { MaxHeapBytes = 0 }, _time, _registry, new LoggerFactory([_log]).CreateLogger<OverloadManager>());

        manager.Evaluate();

        Assert.Equal(0, heap.Shrinks);
        Assert.True(Admits(manager));
    }

    [Fact]
    public void Evaluate_NoFlag_ActsOnTheGcsLimitLessWhatIsOutsideTheHeap()
    {
        // 80 MB outside a heap of 120 MB committed: a 200 MB heap limit leaves a budget of 120 MB.
        var heap = new FakeHeap { Limit = 200 * Mb, Resident = 200 * Mb, Committed = 120 * Mb };
        var manager = new OverloadManager(heap, new OverloadOptions(), _time, _registry, new LoggerFactory([_log]).CreateLogger<OverloadManager>());

        heap.Used = heap.LiveAfterShrink = 113 * Mb;
        manager.Evaluate();
        Assert.True(Admits(manager));

        heap.Used = heap.LiveAfterShrink = 115 * Mb;
        _time.Advance(TimeSpan.FromSeconds(1));
        manager.Evaluate();
        Assert.False(Admits(manager));
    }

    [Fact]
    public void TryStartRequest_AtTheCapTheBudgetHolds_RefusedLoggedOnceEachWayAndAdmittedAgainWhenOneEnds()
    {
        _manager.Evaluate();
        var cap = (int)(Budget / OverloadManager.BytesPerActiveRequest);
        for (var i = 0; i < cap; i++)
        {
            Assert.True(_manager.TryStartRequest());
        }

        Assert.False(_manager.TryStartRequest());
        Assert.False(_manager.TryStartRequest());
        _manager.Evaluate();
        _manager.Evaluate();
        var line = Assert.Single(_log.Lines, l => l.EventId == 5004);
        Assert.Equal("overload manager: 400 requests in flight, the most the heap budget holds: new requests are answered 503 (OM) until some end", line.Message);

        _manager.EndRequest();
        Assert.True(_manager.TryStartRequest());
        _time.Advance(OverloadManager.CapEpisodeQuietTime - TimeSpan.FromMilliseconds(1));
        _manager.Evaluate();
        Assert.DoesNotContain(_log.Lines, l => l.EventId == 5005);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        _manager.Evaluate();
        Assert.Equal("overload manager: below 400 requests in flight again, after refusing 2", Assert.Single(_log.Lines, l => l.EventId == 5005).Message);
    }

    /// <summary>Whether a request would be admitted now; it ends at once.</summary>
    private static bool Admits(OverloadManager manager)
    {
        if (!manager.TryStartRequest())
        {
            return false;
        }

        manager.EndRequest();
        return true;
    }

    private double ActionGauge()
    {
        using var stream = new MemoryStream();
        _registry.CollectAndExportAsTextAsync(stream).GetAwaiter().GetResult();
        var text = System.Text.Encoding.UTF8.GetString(stream.ToArray());
        var line = text.Split('\n').Single(l => l.StartsWith("mesh_overload_action_active{action=\"stop_accepting_requests\"}", StringComparison.Ordinal));
        return double.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class FakeHeap : IHeapMonitor
    {
        public long Used { get; set; }

        public long LiveAfterShrink { get; set; }

        public long Limit { get; set; }

        public long Resident { get; set; }

        public long Committed { get; set; }

        public int Shrinks { get; private set; }

        public long UsedBytes() => Used;

        public long LimitBytes() => Limit;

        public long CommittedBytes() => Committed;

        public long ResidentBytes() => Resident;

        public void Shrink()
        {
            Shrinks++;
            Used = LiveAfterShrink;
        }
    }
}
