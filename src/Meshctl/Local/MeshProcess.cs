using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Mesh.Meshctl.Local;

/// <summary>
/// One program of the local mesh (control plane, proxy or app) run as a child process: its output is passed on
/// line by line and its last lines kept, so a failure can say what the program printed.
/// </summary>
internal sealed class MeshProcess : IAsyncDisposable
{
    private const int RecentLineCount = 200;
    private const int SigTerm = 15;

    private readonly Process _process;
    private readonly Queue<string> _recent = new();
    private readonly Action<string, string> _onLine;
    private readonly StreamWriter _log;

    private MeshProcess(string name, Process process, Action<string, string> onLine, StreamWriter log)
    {
        Name = name;
        _process = process;
        _onLine = onLine;
        _log = log;
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    /// <summary>
    /// Starts <c>dotnet &lt;program&gt; args</c> for an assembly (<c>.dll</c>), else the program itself (a native
    /// executable); every output line goes to <paramref name="logFile"/>, and to <paramref name="onLine"/> as (name, line).
    /// </summary>
    public static MeshProcess Start(string name, string program, IEnumerable<string> args,
        IReadOnlyDictionary<string, string?> environment, string logFile, Action<string, string> onLine)
    {
        var isAssembly = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        var info = new ProcessStartInfo(isAssembly ? DotnetHost() : program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (isAssembly) info.ArgumentList.Add(program);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var log = new StreamWriter(logFile, append: true) { AutoFlush = true };
        var child = new MeshProcess(name, process, onLine, log);
        process.OutputDataReceived += (_, e) => child.Record(e.Data);
        process.ErrorDataReceived += (_, e) => child.Record(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>The last lines the program printed, oldest first.</summary>
    public string RecentOutput()
    {
        lock (_recent)
        {
            return string.Join(Environment.NewLine, _recent);
        }
    }

    /// <summary>Kills the program at once, as a crash would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Asks the program to stop (SIGTERM), and kills it if it has not stopped within <paramref name="grace"/>; true
    /// when it stopped by itself.
    /// </summary>
    public async Task<bool> StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return true;
        }

        _ = kill(_process.Id, SigTerm);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5));
        _process.Dispose();
        lock (_recent)
        {
            _log.Dispose();
        }
    }

    private void Record(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_recent)
        {
            if (_recent.Count == RecentLineCount)
            {
                _recent.Dequeue();
            }

            _recent.Enqueue(line);
            if (_log.BaseStream is not null)
            {
                _log.WriteLine(line);
            }
        }

        _onLine(Name, line);
    }

    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);
}
