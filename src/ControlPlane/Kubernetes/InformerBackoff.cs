namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// How long an informer waits before trying again: doubling from <see cref="Initial"/> up to <see cref="Max"/>, each
/// delay stretched by up to <see cref="Jitter"/> at random so many informers failing together do not retry together
/// (client-go's reflector: 800 ms doubling to 30 s, with jitter); the jittered delay never passes the cap.
/// </summary>
internal sealed record InformerBackoff
{
    public static readonly InformerBackoff Default = new();

    public TimeSpan Initial { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Max { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The largest fraction added to a delay at random (0.2: up to 20% longer).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>The pause before reopening a watch the server ended without delivering anything.</summary>
    public TimeSpan QuietRewatch { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A number in [0, 1); tests make it fixed.</summary>
    public Func<double> Random { get; init; } = System.Random.Shared.NextDouble;

    /// <summary>The delay after the <paramref name="failures"/>th failure in a row (1 for the first).</summary>
    public TimeSpan Delay(int failures)
    {
        var exponent = Math.Min(failures - 1, 30);
        var ticks = Initial.Ticks * Math.Pow(2, exponent) * (1 + Jitter * Random());
        return TimeSpan.FromTicks((long)Math.Min(ticks, Max.Ticks));
    }

    public Task DelayQuietAsync(TimeProvider time, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromTicks((long)(QuietRewatch.Ticks * (1 + Jitter * Random()))), time, cancellationToken);
}
