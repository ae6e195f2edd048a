namespace Mesh.Harness.Load;

/// <summary>
/// One load run: how many connections, for how long, and at what rate. A rate of 0 is a closed loop (each connection
/// sends its next request as soon as the last one answers: the maximum rate); any other rate is an open loop on a fixed
/// schedule, with latency measured from each request's intended start. Everything is bounded.
/// </summary>
public sealed record LoadOptions
{
    public const int MaxConnections = 1024;
    public const double MaxRate = 1_000_000;
    public static readonly TimeSpan MaxDuration = TimeSpan.FromHours(1);

    public int Connections { get; init; } = 16;

    /// <summary>Requests per second on the fixed schedule; 0 for a closed loop.</summary>
    public double Rate { get; init; }

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long one request may take before it counts as an error and its connection is opened anew.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first setting out of its bounds.</summary>
    public void Validate()
    {
        if (Connections is < 1 or > MaxConnections)
        {
            throw new ArgumentException($"connections must be 1 to {MaxConnections}, not {Connections}");
        }

        if (!(Rate >= 0 && Rate <= MaxRate))
        {
            throw new ArgumentException($"rate must be 0 (closed loop) to {MaxRate:0} req/s, not {Rate}");
        }

        if (Duration <= TimeSpan.Zero || Duration > MaxDuration)
        {
            throw new ArgumentException($"duration must be above 0 and at most {MaxDuration}, not {Duration}");
        }

        if (RequestTimeout <= TimeSpan.Zero || RequestTimeout > MaxDuration)
        {
            throw new ArgumentException($"request timeout must be above 0 and at most {MaxDuration}, not {RequestTimeout}");
        }
    }
}
