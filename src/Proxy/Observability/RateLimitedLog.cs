using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Observability;

/// <summary>
/// The budget of one log event: at most a fixed number of lines per interval, the rest counted and reported in one
/// line when the next interval's first line is written. Lock-free and allocation-free, so a flood of failing
/// requests costs a compare-and-swap each, not a line each.
/// </summary>
internal sealed partial class RateLimitedLog
{
    // One 64-bit word holds the interval's number (high bits) and the lines written in it (low bits), so that
    // opening an interval and counting a line are a single compare-and-swap, and the limit is exact.
    private const int CountBits = 20;
    private const long CountMask = (1L << CountBits) - 1;

    private readonly EventId _event;
    private readonly int _linesPerInterval;
    private readonly TimeSpan _interval;
    private readonly long _intervalTicks;
    private readonly TimeProvider _time;
    private long _state;
    private int _suppressed;

    public RateLimitedLog(EventId @event, int linesPerInterval, TimeSpan interval, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(linesPerInterval, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(linesPerInterval, (int)CountMask);
        _event = @event;
        _linesPerInterval = linesPerInterval;
        _interval = interval;
        _intervalTicks = Math.Max(1, (long)(interval.TotalSeconds * time.TimestampFrequency));
        _time = time;

        // Interval -1 is never the current one, so the first line opens an interval.
        _state = -1L << CountBits;
    }

    /// <summary>
    /// True if a line of this event may be written now at <paramref name="level"/>. The caller that opens an interval
    /// first writes how many lines the earlier intervals suppressed.
    /// </summary>
    public bool TryEnter(ILogger logger, LogLevel level)
    {
        if (!logger.IsEnabled(level))
        {
            return false;
        }

        var interval = _time.GetTimestamp() / _intervalTicks;
        while (true)
        {
            var state = Volatile.Read(ref _state);
            var opens = state >> CountBits != interval;
            if (!opens && (state & CountMask) >= _linesPerInterval)
            {
                Interlocked.Increment(ref _suppressed);
                return false;
            }

            var next = opens ? (interval << CountBits) | 1 : state + 1;
            if (Interlocked.CompareExchange(ref _state, next, state) != state)
            {
                continue;
            }

            if (opens && Interlocked.Exchange(ref _suppressed, 0) is var suppressed and > 0)
            {
                Suppressed(logger, level, suppressed, _event.Id, _event.Name ?? string.Empty, _linesPerInterval, _interval.TotalSeconds);
            }

            return true;
        }
    }

    // At the level of the event it counts, so that filtering an event's level filters its count too.
    [LoggerMessage(EventId = 4000,
        Message = "suppressed {Count} log lines of event {SuppressedEventId} ({SuppressedEventName}): at most {Lines} are written per {Seconds} s")]
    private static partial void Suppressed(ILogger logger, LogLevel level, int count, int suppressedEventId, string suppressedEventName, int lines, double seconds);
}
