namespace Mesh.Proxy.Observability.Metrics;

/// <summary>One gauge series: a value that goes up and down, set or adjusted lock-free from any thread.</summary>
internal sealed class Gauge
{
    private long _bits;

    internal Gauge()
    {
    }

    public double Value => BitConverter.Int64BitsToDouble(Interlocked.Read(ref _bits));

    public void Set(double value) => Interlocked.Exchange(ref _bits, BitConverter.DoubleToInt64Bits(value));

    public void Add(double amount) => AtomicDouble.Add(ref _bits, amount);
}
