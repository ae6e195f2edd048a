namespace Mesh.Proxy.Observability.Metrics;

/// <summary>
/// One histogram series: a count per bucket (not cumulative, so an observation touches one counter) and a sum, both
/// updated lock-free; the exposition makes the buckets cumulative and derives <c>_count</c> from them.
/// </summary>
internal sealed class Histogram
{
    private readonly double[] _upperBounds;

    // One slot per finite bound plus the +Inf bucket.
    private readonly long[] _counts;
    private long _sumBits;

    internal Histogram(double[] upperBounds)
    {
        _upperBounds = upperBounds;
        _counts = new long[upperBounds.Length + 1];
    }

    public void Observe(double value)
    {
        // A NaN would poison the sum for ever; it carries no information worth that.
        if (double.IsNaN(value))
        {
            return;
        }

        var bounds = _upperBounds;
        var index = 0;
        while (index < bounds.Length && value > bounds[index])
        {
            index++;
        }

        Interlocked.Increment(ref _counts[index]);
        AtomicDouble.Add(ref _sumBits, value);
    }

    internal double Sum => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _sumBits));

    internal IReadOnlyList<double> UpperBounds => _upperBounds;

    /// <summary>Copies the per-bucket counts (the last is the +Inf bucket) into <paramref name="destination"/>.</summary>
    internal void CopyCounts(Span<long> destination)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            destination[i] = Interlocked.Read(ref _counts[i]);
        }
    }
}
