using Mesh.Proxy.Observability;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Proxy.Tests.Observability;

public sealed class RateLimitedLogTests
{
    private const int SuppressedEvent = 4000;
    private static readonly EventId Event = new(4001, "ClientGone");

    [Fact]
    public void TryEnter_PastTheLimit_SuppressesThenReportsTheCountWhenTheNextIntervalOpens()
    {
        var time = new FakeTimeProvider();
        using var logs = new LogCapture();
        var logger = logs.CreateLogger("test");
        var budget = new RateLimitedLog(Event, 3, TimeSpan.FromSeconds(10), time);

        var entered = Enumerable.Range(0, 10).Count(_ => budget.TryEnter(logger, LogLevel.Information));
        time.Advance(TimeSpan.FromSeconds(9));
        var stillSuppressed = budget.TryEnter(logger, LogLevel.Information);
        time.Advance(TimeSpan.FromSeconds(1));
        var next = budget.TryEnter(logger, LogLevel.Information);

        Assert.Equal(3, entered);
        Assert.False(stillSuppressed);
        Assert.True(next);
        var suppressed = Assert.Single(logs.Lines);
        Assert.Equal(SuppressedEvent, suppressed.EventId);
        Assert.Equal("suppressed 8 log lines of event 4001 (ClientGone): at most 3 are written per 10 s", suppressed.Message);
    }

    [Fact]
    public void TryEnter_LevelDisabled_NeitherEntersNorCounts()
    {
        var time = new FakeTimeProvider();
        var budget = new RateLimitedLog(Event, 1, TimeSpan.FromSeconds(10), time);
        using var logs = new LogCapture();

        Assert.False(budget.TryEnter(NullLogger.Instance, LogLevel.Information));
        Assert.True(budget.TryEnter(logs.CreateLogger("test"), LogLevel.Information));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(budget.TryEnter(logs.CreateLogger("test"), LogLevel.Information));
        Assert.Empty(logs.Lines);
    }

    [Fact]
    public void TryEnter_ManyThreadsAtOnce_EntersExactlyTheLimit()
    {
        var budget = new RateLimitedLog(Event, 10, TimeSpan.FromHours(1), new FakeTimeProvider());
        using var logs = new LogCapture();
        var logger = logs.CreateLogger("test");
        var entered = 0;

        Parallel.For(0, 100_000, _ =>
        {
            if (budget.TryEnter(logger, LogLevel.Information))
            {
                Interlocked.Increment(ref entered);
            }
        });

        Assert.Equal(10, entered);
    }
}
