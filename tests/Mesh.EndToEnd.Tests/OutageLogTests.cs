using System.Diagnostics;
using Xunit.Abstractions;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// An outage of the backends is logged by their sidecars in a bounded number of one-line events, however many
/// requests fail: the access log and the metrics are where each request is counted.
/// </summary>
public sealed class OutageLogTests(ITestOutputHelper output)
{
    private const int Requests = 2000;

    // ForwardingLog's budget: 10 lines of an event per 10 s interval, and one line counting those it suppressed.
    private const int LinesPerInterval = 11;
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task BackendAppsDown_BurstThroughTheGateway_BackendSidecarsLogBoundedOneLiners()
    {
        await using var run = await MeshRun.StartAsync();
        var sidecarLogs = new[] { "backend-v1-sidecar", "backend-v2-sidecar" }.Select(name => Path.Combine(run.Mesh.LogDir, name + ".log")).ToList();
        foreach (var (name, pid) in run.Mesh.Programs.Where(p => p.Name is "backend-v1" or "backend-v2"))
        {
            using var app = Process.GetProcessById(pid);
            app.Kill();
            await app.WaitForExitAsync();
        }

        var before = sidecarLogs.Select(path => new FileInfo(path).Length).ToList();
        var elapsed = Stopwatch.StartNew();
        var answers = await run.GetManyAsync(Requests);
        elapsed.Stop();

        Assert.All(answers, a => Assert.Equal(502, a.Status));
        var intervals = (int)(elapsed.Elapsed / Interval) + 2;
        for (var i = 0; i < sidecarLogs.Count; i++)
        {
            var added = ReadFrom(sidecarLogs[i], before[i]);
            var lines = added.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            output.WriteLine($"{Path.GetFileName(sidecarLogs[i])}: {added.Length} bytes, {lines.Length} lines for {Requests} requests in {elapsed.Elapsed.TotalSeconds:0.0} s");
            Assert.DoesNotContain(lines, line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal));
            Assert.InRange(lines.Count(line => line.Contains("[4003]", StringComparison.Ordinal)), 1, intervals * LinesPerInterval);
            Assert.True(lines.Length <= 2 * intervals * LinesPerInterval, added);
        }
    }

    private static string ReadFrom(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(offset, SeekOrigin.Begin);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
