namespace Mesh.Harness;

/// <summary>One proxy on a measured path, by name, with the process ids that make it up (nginx: its master and workers).</summary>
internal sealed record ProxyUnderTest(string Name, Func<IReadOnlyList<int>> ProcessIds)
{
    public static ProxyUnderTest Single(string name, int pid) => new(name, () => [pid]);

    public double CpuSeconds()
    {
        double total = 0;
        foreach (var pid in ProcessIds())
        {
            total += ProcessStats.CpuSeconds(pid);
        }

        return total;
    }

    public long ResidentBytes()
    {
        long total = 0;
        foreach (var pid in ProcessIds())
        {
            total += ProcessStats.ResidentBytes(pid);
        }

        return total;
    }
}
