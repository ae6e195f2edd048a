using System.ComponentModel;
using System.Diagnostics;

namespace Mesh.Proxy.Capture;

/// <summary>Runs iptables' programs: arguments, optional standard input, and what they printed.</summary>
internal static class ExternalCommand
{
    /// <summary>How long one iptables program may take: the xtables lock wait (30 s) and then some.</summary>
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>Runs <paramref name="file"/>; a program that is missing or hangs is reported as a failed run (exit -1).</summary>
    public static async Task<CommandResult> RunAsync(string file, IReadOnlyList<string> args, string? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new Win32Exception($"{file} did not start");
        }
        catch (Win32Exception ex)
        {
            return new CommandResult(-1, "", $"cannot run {file}: {ex.Message}");
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
                process.StandardInput.Close();
            }

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(Limit);
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return new CommandResult(-1, "", $"{file} did not finish within {Limit.TotalSeconds:0} s");
            }

            return new CommandResult(process.ExitCode, await output, await errors);
        }
    }

    /// <summary>Whether <paramref name="name"/> is an executable file in one of $PATH's folders.</summary>
    public static bool IsOnPath(string name)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(folder, name)))
            {
                return true;
            }
        }

        return false;
    }
}
