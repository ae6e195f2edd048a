namespace Mesh.Proxy.Discovery;

/// <summary>Exponential back-off with full jitter for reconnecting to the control plane: 100 ms doubling to a 5 s cap.</summary>
internal static class ReconnectBackoff
{
    private static readonly TimeSpan Base = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan Cap = TimeSpan.FromSeconds(5);

    /// <summary>The pause after <paramref name="failures"/> consecutive failed connections (1 or more).</summary>
    public static TimeSpan Next(int failures, Random random)
    {
        var ceiling = Base * Math.Pow(2, Math.Min(failures - 1, 16));
        if (ceiling > Cap)
        {
            ceiling = Cap;
        }

        return ceiling * random.NextDouble();
    }
}
