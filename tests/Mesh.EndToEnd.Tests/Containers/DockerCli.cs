using System.ComponentModel;
using System.Diagnostics;

namespace Mesh.EndToEnd.Tests.Containers;

/// <summary>The machine's <c>docker</c> command, each call bounded: what a kubelet's runtime does, from a test.</summary>
internal static class DockerCli
{
    /// <summary>Runs <c>docker ARGS</c>; a call past <paramref name="timeout"/> is killed and answers exit code 124.</summary>
    public static async Task<DockerResult> RunAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("docker")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (Win32Exception e)
        {
            return new DockerResult(127, "", $"docker: {e.Message}");
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new DockerResult(124, await output, await error + $"\n(docker {string.Join(' ', args)}: killed after {timeout.TotalSeconds:0}s)");
        }

        return new DockerResult(process.ExitCode, await output, await error);
    }

    /// <summary>Runs <c>docker ARGS</c> and returns its standard output; throws with everything it printed when it fails.</summary>
    public static async Task<string> CheckAsync(TimeSpan timeout, params string[] args)
    {
        var result = await RunAsync(timeout, args);
        return result.Exit == 0
            ? result.Out
            : throw new InvalidOperationException($"docker {string.Join(' ', args)} exited {result.Exit}: {result.Out}{result.Err}");
    }
}

/// <summary>What one docker command did.</summary>
internal sealed record DockerResult(int Exit, string Out, string Err)
{
    public override string ToString() => $"exit {Exit}: {Out}{Err}";
}
