using System.Diagnostics;
using System.Text;

namespace Mesh.Kubernetes.Tests;

/// <summary>
/// Runs the machine's kubectl against a kubeconfig, with a discovery cache of its own (so no run sees another
/// server's discovery). Tests skip when kubectl is not installed, and fail then when CI=true.
/// </summary>
internal sealed class Kubectl(string kubeconfig, string cacheDirectory)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public static void SkipUnlessInstalled()
    {
        var installed = FindOnPath("kubectl") is not null;
        if (!installed && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail("kubectl is not on PATH; CI must have it (the test API server is proven against it).");
        }
        Skip.IfNot(installed, "kubectl is not on PATH: the kubectl fidelity tests need it.");
    }

    public async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => await RunWithInputAsync(null, args);

    public async Task<(int Exit, string Out, string Err)> RunWithInputAsync(string? stdin, params string[] args)
    {
        using var process = Process.Start(StartInfo(args, stdin is not null))!;
        if (stdin is not null)
        {
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
        }
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"kubectl {string.Join(' ', args)} did not finish in {Limit}: {await error}");
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Runs and fails the test with kubectl's own words when it exits non-zero.</summary>
    public async Task<string> SucceedAsync(params string[] args) => await SucceedWithInputAsync(null, args);

    public async Task<string> SucceedWithInputAsync(string? stdin, params string[] args)
    {
        var (exit, output, error) = await RunWithInputAsync(stdin, args);
        Assert.True(exit == 0, $"kubectl {string.Join(' ', args)} exited {exit}: {error}{output}");
        return output;
    }

    /// <summary>Starts a long-running kubectl (get --watch) whose output lines the test reads until it has what it expects.</summary>
    public Process Start(params string[] args) => Process.Start(StartInfo(args, false))!;

    /// <summary>Reads lines until one satisfies the predicate; fails with everything read when the stream ends or time runs out.</summary>
    public static async Task<string> ReadUntilAsync(Process process, Func<string, bool> predicate)
    {
        var seen = new StringBuilder();
        using var timeout = new CancellationTokenSource(Limit);
        while (true)
        {
            string? line;
            try
            {
                line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                Assert.Fail($"no expected line within {Limit}; read so far:\n{seen}");
                throw;
            }
            if (line is null)
            {
                Assert.Fail($"kubectl ended before the expected line; read:\n{seen}\nstderr: {await process.StandardError.ReadToEndAsync()}");
            }
            seen.AppendLine(line);
            if (predicate(line))
            {
                return line;
            }
        }
    }

    private ProcessStartInfo StartInfo(string[] args, bool stdin)
    {
        var info = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("--kubeconfig=" + kubeconfig);
        info.ArgumentList.Add("--cache-dir=" + cacheDirectory);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["HOME"] = cacheDirectory;
        return info;
    }

    private static string? FindOnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
