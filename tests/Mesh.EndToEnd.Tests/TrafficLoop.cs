using System.Diagnostics;

namespace Mesh.EndToEnd.Tests;

/// <summary>Steady traffic through the gateway in the background, every answer kept with the moment it came.</summary>
internal sealed class TrafficLoop : IAsyncDisposable
{
    private const int Workers = 4;

    private readonly List<(long At, GatewayAnswer Answer)> _answers = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _running;

    private TrafficLoop(MeshRun run)
    {
        _running = Task.WhenAll(Enumerable.Range(0, Workers).Select(_ => Task.Run(() => SendAsync(run))));
    }

    public static TrafficLoop Start(MeshRun run) => new(run);

    public Task WaitForAnswersAsync(int count) =>
        MeshRun.WaitUntilAsync(() => Task.FromResult(Count >= count), TimeSpan.FromSeconds(30), $"{count} answers");

    /// <summary>How many of the latest answers in a row came from <paramref name="backend"/>.</summary>
    public int TrailingStreak(string backend)
    {
        lock (_answers)
        {
            var streak = 0;
            for (var i = _answers.Count - 1; i >= 0 && _answers[i].Answer.Backend == backend; i--)
            {
                streak++;
            }

            return streak;
        }
    }

    /// <summary>When the first answer of the latest unbroken run from <paramref name="backend"/> came (a Stopwatch timestamp).</summary>
    public long TrailingStreakStartedAt(string backend)
    {
        lock (_answers)
        {
            var i = _answers.Count - 1;
            while (i > 0 && _answers[i - 1].Answer.Backend == backend)
            {
                i--;
            }

            return _answers[i].At;
        }
    }

    public async Task<IReadOnlyList<GatewayAnswer>> StopAsync()
    {
        await _stop.CancelAsync();
        await _running;
        lock (_answers)
        {
            return _answers.Select(a => a.Answer).ToList();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    /// <summary>Whether <paramref name="backend"/> answered any request after the first <paramref name="skipped"/> answers.</summary>
    public bool AnsweredSince(string backend, int skipped)
    {
        lock (_answers)
        {
            for (var i = skipped; i < _answers.Count; i++)
            {
                if (_answers[i].Answer.Backend == backend)
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>How many answers have come so far.</summary>
    public int Count
    {
        get
        {
            lock (_answers)
            {
                return _answers.Count;
            }
        }
    }

    private async Task SendAsync(MeshRun run)
    {
        while (!_stop.IsCancellationRequested)
        {
            GatewayAnswer answer;
            try
            {
                answer = await run.GetAsync();
            }
            catch (HttpRequestException e)
            {
                answer = new GatewayAnswer(0, [], e.Message);
            }

            lock (_answers)
            {
                _answers.Add((Stopwatch.GetTimestamp(), answer));
            }
        }
    }
}
