using Mesh.Harness;

namespace Mesh.EndToEnd.Tests.Harness;

/// <summary>
/// The harness's short mode end to end: the local mesh, nginx and HAProxy in front of the same backend, every path
/// measured briefly, the table and the chart written. Correctness only; the figures belong to loadtests/harness.sh.
/// </summary>
public sealed class HarnessShortTests : IDisposable
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];
    private static readonly Dictionary<string, int> ProxiesOn = new()
    {
        ["direct to the app"] = 0,
        ["nginx (1 worker)"] = 1,
        ["HAProxy (1 thread)"] = 1,
        ["nginx -> nginx (mTLS) -> app"] = 2,
        ["sidecar inbound alone"] = 1,
        ["sidecar -> sidecar (mTLS) -> app"] = 2,
        ["gateway -> sidecar (mTLS) -> app"] = 2,
    };

    private readonly string _outputDir = Path.Combine(Path.GetTempPath(), "harness-short-" + Guid.NewGuid().ToString("N"));

    [SkippableFact]
    public async Task RunAsync_ShortMode_MeasuresEveryPathAndWritesTableAndChart()
    {
        RequireInstalled("nginx");
        RequireInstalled("haproxy");
        var options = HarnessOptions.Parse(["--short", "--warmup", "0"]);
        var progress = new List<string>();

        var rows = await new HarnessRun(options, line => { lock (progress) { progress.Add(line); } }).RunAsync(_outputDir, CancellationToken.None);

        Assert.Equal(ProxiesOn.Keys, rows.Select(r => r.Path));
        foreach (var row in rows)
        {
            Assert.True(row.FixedRate.Requests > 0 && row.FixedRate.Errors == 0, $"{row.Path}: {row.FixedRate.Requests} answered, {row.FixedRate.Errors} errors at the fixed rate");
            Assert.True(row.ClosedLoop.Requests > 0 && row.ClosedLoop.Errors == 0, $"{row.Path}: {row.ClosedLoop.Requests} answered, {row.ClosedLoop.Errors} errors in the closed loop");
            Assert.Equal(ProxiesOn[row.Path], row.Proxies);
            if (row.Proxies > 0)
            {
                Assert.True(row.MaxResidentBytes > 0, $"{row.Path}: no RSS read from /proc");
            }
        }

        var markdown = await File.ReadAllTextAsync(Path.Combine(_outputDir, "table.md"));
        var csv = await File.ReadAllLinesAsync(Path.Combine(_outputDir, "table.csv"));
        Assert.All(rows, r => Assert.Contains("| " + r.Path + " |", markdown, StringComparison.Ordinal));
        Assert.Equal(rows.Count + 1, csv.Length);
        var png = await File.ReadAllBytesAsync(Path.Combine(_outputDir, "latency.png"));
        Assert.True(png.Length > PngSignature.Length, "latency.png is empty");
        Assert.Equal(PngSignature, png[..PngSignature.Length]);
        Assert.Contains(progress, line => line.Contains("closed loop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_ConfigFileDeniesThePath_RefusesItBeforeMeasuring()
    {
        // The user's YAML reaches the mesh the harness measures: a policy that denies callers without a mesh identity
        // (the generator is one) on backend v1 turns every request of the inbound path into a 403, which the backend
        // check refuses before a figure is taken.
        Directory.CreateDirectory(_outputDir);
        var config = Path.Combine(_outputDir, "deny-plaintext.yaml");
        await File.WriteAllTextAsync(config, """
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata:
              name: deny-plaintext
              namespace: default
            spec:
              selector:
                matchLabels:
                  app: backend
                  version: v1
              action: DENY
              rules:
              - from:
                - source:
                    notPrincipals: ["*"]
            """);
        var options = HarnessOptions.Parse(["--short", "--warmup", "0", "--paths", "inbound", "--config", config]);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new HarnessRun(options, _ => { }).RunAsync(Path.Combine(_outputDir, "out"), CancellationToken.None));

        Assert.Contains("sidecar inbound alone: request 1 of 50 was answered 403", refused.Message, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_outputDir))
        {
            Directory.Delete(_outputDir, recursive: true);
        }
    }

    private static void RequireInstalled(string program)
    {
        var present = ExternalProxy.Find(program) is not null;
        if (!present && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail($"{program} is not installed; CI=true requires it (scripts/test.sh installs it with apt).");
        }

        Skip.IfNot(present, $"{program} is not installed (apt-get install nginx-light haproxy; scripts/test.sh does)");
    }
}
