namespace Mesh.LoadTests.Scenarios;

/// <summary>
/// What a constant-rate run saw: every request's latency (sorted), how many failed, how many the scenario marked
/// (retried, aborted by a fault), and how many could not start because every slot was busy (k6's dropped_iterations).
/// </summary>
internal sealed class LoadResult(double[] sortedLatenciesMs, int failed, int marked, int dropped, TimeSpan elapsed)
{
    public int Sent => sortedLatenciesMs.Length;

    public int Failed => failed;

    /// <summary>Requests the scenario's <see cref="RequestOutcome.Marked"/> flagged.</summary>
    public int Marked => marked;

    public int Dropped => dropped;

    public double RequestsPerSecond => Sent / elapsed.TotalSeconds;

    public double ErrorRate => Sent == 0 ? 0 : (double)failed / Sent;

    public double MarkedRate => Sent == 0 ? 0 : (double)marked / Sent;

    /// <summary>The nearest-rank percentile of the latencies, in ms; 0 without requests.</summary>
    public double Percentile(double percent)
    {
        if (Sent == 0)
        {
            return 0;
        }

        var rank = (int)Math.Ceiling(percent / 100 * Sent);
        return sortedLatenciesMs[Math.Clamp(rank, 1, Sent) - 1];
    }

    /// <summary>The share of requests that took at least <paramref name="ms"/>.</summary>
    public double ShareAtLeast(double ms)
    {
        if (Sent == 0)
        {
            return 0;
        }

        var first = Array.BinarySearch(sortedLatenciesMs, ms);
        if (first < 0)
        {
            first = ~first;
        }
        else
        {
            // BinarySearch finds one of equal values; the share counts them all.
            while (first > 0 && sortedLatenciesMs[first - 1] >= ms) first--;
        }

        return (double)(Sent - first) / Sent;
    }
}

/// <summary>One request's outcome: failed (k6's http_req_failed), and whether the scenario marks it (retried, aborted).</summary>
internal readonly record struct RequestOutcome(bool Failed, bool Marked = false);
