using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Mesh.DiscoverySimulator;

/// <summary>
/// The real control plane, run as its own process from the build beside the simulator (local mode over the generated
/// folder, TLS and bootstrap tokens as from the command line), so that its memory and CPU are its own; read from /proc.
/// </summary>
internal sealed partial class ControlPlaneProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastLines = new();

    private ControlPlaneProcess(Process process, string caDirectory)
    {
        _process = process;
        CaDirectory = caDirectory;
    }

    public string CaDirectory { get; }

    public int GrpcPort { get; private set; }

    public int ProcessId => _process.Id;

    /// <summary>Starts it and waits for its ready line (which names the ports it bound).</summary>
    public static async Task<ControlPlaneProcess> StartAsync(
        string configDirectory, string caDirectory, int debounceMilliseconds, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var binary = Path.Combine(AppContext.BaseDirectory, "Mesh.ControlPlane.dll");
        if (!File.Exists(binary)) throw new FileNotFoundException($"The control plane is not built beside the simulator ({binary}).");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     binary, "--config-dir", configDirectory, "--ca-dir", caDirectory, "--grpc-port", "0", "--http-port", "0",
                     "--debounce-ms", debounceMilliseconds.ToString(CultureInfo.InvariantCulture),
                 })
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment) start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var control = new ControlPlaneProcess(process, caDirectory);
        var ready = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => control.OnLine(e.Data, ready);
        process.ErrorDataReceived += (_, e) => control.OnLine(e.Data, ready);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            control.GrpcPort = await ready.Task.WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await control.DisposeAsync();
            throw new TimeoutException($"The control plane was not ready within {timeout.TotalSeconds:0} s: {control.LastLines()}");
        }
        return control;
    }

    private void OnLine(string? line, TaskCompletionSource<int> ready)
    {
        if (line is null)
        {
            ready.TrySetException(new InvalidOperationException($"The control plane exited: {LastLines()}"));
            return;
        }
        lock (_lastLines)
        {
            _lastLines.Enqueue(line);
            if (_lastLines.Count > 20) _lastLines.Dequeue();
        }
        if (ReadyLine().Match(line) is { Success: true } match) ready.TrySetResult(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    /// <summary>Its last lines of output, for an error message.</summary>
    public string LastLines()
    {
        lock (_lastLines) return string.Join(" | ", _lastLines);
    }

    /// <summary>The most memory it has held resident so far (VmHWM), in bytes.</summary>
    public long PeakResidentBytes() => ReadStatusKilobytes("VmHWM:") * 1024;

    /// <summary>Its resident memory now (VmRSS), in bytes.</summary>
    public long ResidentBytes() => ReadStatusKilobytes("VmRSS:") * 1024;

    /// <summary>CPU time it has used so far, user and system, in milliseconds.</summary>
    public double CpuMilliseconds()
    {
        _process.Refresh();
        return _process.TotalProcessorTime.TotalMilliseconds;
    }

    private long ReadStatusKilobytes(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (!line.StartsWith(field, StringComparison.Ordinal)) continue;
            var digits = line.AsSpan(field.Length).Trim();
            var space = digits.IndexOf(' ');
            return long.Parse(space < 0 ? digits : digits[..space], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"Control plane ready: discovery on [^ ]+:(\d+) \(gRPC\)")]
    private static partial Regex ReadyLine();
}
