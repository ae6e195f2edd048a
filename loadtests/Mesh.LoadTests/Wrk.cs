using System.Diagnostics;

namespace Mesh.LoadTests;

/// <summary>Runs wrk (2 threads, --latency) against a target after a 3 s warm-up, and reads its report.</summary>
internal static class Wrk
{
    public static async Task<WrkResult> MeasureAsync(string duration, string connections, params string[] target)
    {
        await RunAsync("3s", connections, target);
        return WrkResult.Parse(await RunAsync(duration, connections, target));
    }

    private static async Task<string> RunAsync(string time, string connections, string[] target)
    {
        var info = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["-t2", $"-c{connections}", $"-d{time}", "--latency", .. target])
        {
            info.ArgumentList.Add(arg);
        }

        using var wrk = Process.Start(info)!;
        var output = await wrk.StandardOutput.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        return wrk.ExitCode == 0 ? output : throw new InvalidOperationException($"wrk failed ({wrk.ExitCode}):\n{output}");
    }
}
