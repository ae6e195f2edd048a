using System.Diagnostics;

namespace Mesh.LoadTests.Scenarios;

/// <summary>
/// k6's constant-arrival-rate executor: a request starts every 1/rate seconds for the duration, whatever the earlier
/// ones are doing, with at most <c>maxInFlight</c> at once (k6's maxVUs); one due while every slot is busy is not sent
/// but counted as dropped, so a slow mesh shows as missed thresholds rather than as a lower rate. Latency is measured
/// from the request's start, as k6 does.
/// </summary>
internal static class ConstantRateLoad
{
    public static async Task<LoadResult> RunAsync(int rate, TimeSpan duration, int maxInFlight, Func<CancellationToken, Task<RequestOutcome>> send)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rate, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        var total = (int)Math.Min(int.MaxValue / 2, Math.Ceiling(rate * duration.TotalSeconds));
        var latencies = new double[total];
        var started = 0;
        int failed = 0, marked = 0, dropped = 0;
        using var slots = new SemaphoreSlim(maxInFlight, maxInFlight);
        // A request still running this long after the last was due is cut, so that every run ends.
        using var stop = new CancellationTokenSource();
        var inFlight = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / rate);
            if (due > clock.Elapsed)
            {
                await Task.Delay(due - clock.Elapsed);
            }

            if (!slots.Wait(0))
            {
                dropped++;
                continue;
            }

            var index = started++;
            inFlight.Add(Task.Run(async () =>
            {
                var begin = Stopwatch.GetTimestamp();
                RequestOutcome outcome;
                try
                {
                    outcome = await send(stop.Token);
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException or Grpc.Core.RpcException)
                {
                    outcome = new RequestOutcome(Failed: true);
                }
                finally
                {
                    slots.Release();
                }

                latencies[index] = Stopwatch.GetElapsedTime(begin).TotalMilliseconds;
                if (outcome.Failed) Interlocked.Increment(ref failed);
                if (outcome.Marked) Interlocked.Increment(ref marked);
            }));
        }

        stop.CancelAfter(TimeSpan.FromSeconds(30));
        await Task.WhenAll(inFlight);
        var elapsed = clock.Elapsed;
        var measured = latencies[..started];
        Array.Sort(measured);
        return new LoadResult(measured, failed, marked, dropped, elapsed);
    }
}
