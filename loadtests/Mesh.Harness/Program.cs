using Mesh.Harness;

// loadtests/harness.sh: nginx, HAProxy and the mesh in front of the same backend, one table; "load URL": the
// generator alone against one URL. See docs/performance.md.
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};

if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(HarnessOptions.Usage);
    Console.WriteLine(SingleLoad.Usage);
    return 0;
}

if (args is ["load", .. var loadArgs])
{
    try
    {
        return await SingleLoad.RunAsync(loadArgs, Console.Out, stop.Token);
    }
    catch (ArgumentException e)
    {
        Console.Error.WriteLine($"harness load: {e.Message}");
        Console.Error.WriteLine(SingleLoad.Usage);
        return 2;
    }
}

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

var outputDir = options.OutputDir ?? Path.Combine("loadtests", "results", $"harness-{DateTime.UtcNow:yyyyMMdd-HHmmss}");
IReadOnlyList<PathMeasurement> rows;
try
{
    rows = await new HarnessRun(options, Console.WriteLine).RunAsync(outputDir, stop.Token);
}
catch (InvalidOperationException e)
{
    // What the harness refuses to measure, or a proxy that did not start: said in one line, no stack trace.
    Console.Error.WriteLine($"harness: {e.Message}");
    return 1;
}

return rows.Any(r => r.ClosedLoop.Errors + r.FixedRate.Errors > 0) ? 1 : 0;
