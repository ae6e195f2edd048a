namespace Mesh.ControlPlane;

/// <summary>Merges bursts of change signals into one flush: waits for a quiet period, but never longer than a maximum wait.</summary>
/// <remarks>
/// istiod's push debounce: every signal restarts the quiet timer, and the first signal of a burst starts the
/// maximum-wait clock so a steady trickle of edits cannot starve pushes. Time comes from the injected
/// <see cref="TimeProvider"/> so tests drive it without sleeping.
/// </remarks>
internal sealed class Debouncer : IDisposable
{
    private readonly TimeSpan _quietPeriod;
    private readonly TimeSpan _maxWait;
    private readonly TimeProvider _time;
    private readonly Action<int> _flush;
    private readonly ITimer _timer;
    private readonly Lock _gate = new();
    private readonly Lock _flushGate = new();
    private int _pendingSignals;
    private DateTimeOffset _firstSignalAt;
    private DateTimeOffset _lastSignalAt;

    /// <param name="flush">Called with the number of signals merged into this flush; never called concurrently with itself.</param>
    public Debouncer(TimeSpan quietPeriod, TimeSpan maxWait, TimeProvider time, Action<int> flush)
    {
        if (quietPeriod <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(quietPeriod), "The quiet period must be positive.");
        if (maxWait < quietPeriod) throw new ArgumentOutOfRangeException(nameof(maxWait), "The maximum wait must be at least the quiet period.");
        _quietPeriod = quietPeriod;
        _maxWait = maxWait;
        _time = time;
        _flush = flush;
        _timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Records one change; the flush happens once changes stop for the quiet period, or at the maximum wait.</summary>
    public void Signal()
    {
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            if (_pendingSignals == 0) _firstSignalAt = now;
            _lastSignalAt = now;
            _pendingSignals++;
            _timer.Change(DueIn(now), Timeout.InfiniteTimeSpan);
        }
    }

    private TimeSpan DueIn(DateTimeOffset now)
    {
        var quietEnds = _lastSignalAt + _quietPeriod;
        var maxEnds = _firstSignalAt + _maxWait;
        var due = (quietEnds < maxEnds ? quietEnds : maxEnds) - now;
        return due > TimeSpan.Zero ? due : TimeSpan.Zero;
    }

    private void OnTimer()
    {
        int merged;
        lock (_gate)
        {
            if (_pendingSignals == 0) return;
            var now = _time.GetUtcNow();
            var due = DueIn(now);
            if (due > TimeSpan.Zero)
            {
                // A signal arrived after this timer was armed: it moved the deadline.
                _timer.Change(due, Timeout.InfiniteTimeSpan);
                return;
            }
            merged = _pendingSignals;
            _pendingSignals = 0;
        }
        // A slow flush must not overlap the next one when a new burst ends meanwhile.
        lock (_flushGate) _flush(merged);
    }

    public void Dispose() => _timer.Dispose();
}
