using Mesh.Harness.Load;

namespace Mesh.Harness;

/// <summary>One path's row: the closed loop's rate, and the fixed-rate window's latency, CPU and memory.</summary>
internal sealed record PathMeasurement(
    string Path,
    LoadResult ClosedLoop,
    LoadResult FixedRate,
    int Proxies,
    double CpuSecondsAllProxies,
    double CpuSecondsBusiestProxy,
    long MaxResidentBytes)
{
    /// <summary>vCPU per 1,000 req/s for all the path's proxies together; NaN when the path has none.</summary>
    public double VcpuPerThousandAll => PerThousand(CpuSecondsAllProxies);

    /// <summary>vCPU per 1,000 req/s for the busiest proxy on the path.</summary>
    public double VcpuPerThousandBusiest => PerThousand(CpuSecondsBusiestProxy);

    private double PerThousand(double cpuSeconds) =>
        Proxies == 0 || FixedRate.AchievedRate <= 0
            ? double.NaN
            : cpuSeconds / FixedRate.Elapsed.TotalSeconds / (FixedRate.AchievedRate / 1000);
}
