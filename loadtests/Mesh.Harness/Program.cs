using Mesh.Harness;

// loadtests/harness.sh: nginx, HAProxy and the mesh in front of the same backend, one table. See docs/performance.md.
HarnessOptions options;
try
{
    options = HarnessOptions.Parse(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine($"harness: {e.Message}");
    Console.Error.WriteLine(HarnessOptions.Usage);
    return 2;
}

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
var outputDir = options.OutputDir ?? Path.Combine("loadtests", "results", $"harness-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
var rows = await new HarnessRun(options, Console.WriteLine).RunAsync(outputDir, stop.Token);
return rows.Any(r => r.ClosedLoop.Errors + r.FixedRate.Errors > 0) ? 1 : 0;
