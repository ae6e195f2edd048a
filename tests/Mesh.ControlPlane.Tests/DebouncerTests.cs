namespace Mesh.ControlPlane.Tests;

public sealed class DebouncerTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(1);

    [Fact]
    public void Signal_BurstWithinQuietPeriod_FlushesOnceWithAllSignals()
    {
        var time = new FakeTimeProvider();
        var flushes = new List<int>();
        using var debouncer = new Debouncer(Quiet, MaxWait, time, flushes.Add);

        debouncer.Signal();
        time.Advance(TimeSpan.FromMilliseconds(60));
        debouncer.Signal();
        time.Advance(TimeSpan.FromMilliseconds(60));
        debouncer.Signal();

        Assert.Empty(flushes);
        time.Advance(TimeSpan.FromMilliseconds(99));
        Assert.Empty(flushes);
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([3], flushes);
    }

    [Fact]
    public void Signal_SteadyTrickle_FlushesAtMaxWait()
    {
        var time = new FakeTimeProvider();
        var flushes = new List<int>();
        using var debouncer = new Debouncer(Quiet, MaxWait, time, flushes.Add);

        // A signal every 50 ms never leaves 100 ms of quiet; the 1 s cap must still flush.
        for (var i = 0; i < 20; i++)
        {
            debouncer.Signal();
            time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.Equal([20], flushes);
    }

    [Fact]
    public void Signal_AfterFlush_StartsNewBurst()
    {
        var time = new FakeTimeProvider();
        var flushes = new List<int>();
        using var debouncer = new Debouncer(Quiet, MaxWait, time, flushes.Add);

        debouncer.Signal();
        time.Advance(Quiet);
        debouncer.Signal();
        debouncer.Signal();
        time.Advance(Quiet);

        Assert.Equal([1, 2], flushes);
    }

    [Fact]
    public void Constructor_MaxWaitBelowQuietPeriod_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Debouncer(Quiet, TimeSpan.FromMilliseconds(10), new FakeTimeProvider(), _ => { }));
    }
}
