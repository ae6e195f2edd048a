namespace Mesh.Proxy.Observability.Metrics;

/// <summary>One counter series: a monotonically increasing integer, incremented lock-free from any thread.</summary>
internal sealed class Counter
{
    private long _value;

    internal Counter()
    {
    }

    public long Value => Interlocked.Read(ref _value);

    public void Increment() => Interlocked.Increment(ref _value);

    public void Add(long amount)
    {
        if (amount < 0)
        {
            ThrowNegative(amount);
        }

        Interlocked.Add(ref _value, amount);
    }

    private static void ThrowNegative(long amount) =>
        throw new ArgumentOutOfRangeException(nameof(amount), amount, "A counter only goes up.");
}
