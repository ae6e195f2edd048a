namespace Mesh.Proxy.Observability.Metrics;

/// <summary>Lock-free addition to a double kept as its 64 bits, which Interlocked can compare and swap.</summary>
internal static class AtomicDouble
{
    public static void Add(ref long bits, double amount)
    {
        var seen = Interlocked.Read(ref bits);
        while (true)
        {
            var next = BitConverter.DoubleToInt64Bits(BitConverter.Int64BitsToDouble(seen) + amount);
            var previous = Interlocked.CompareExchange(ref bits, next, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
