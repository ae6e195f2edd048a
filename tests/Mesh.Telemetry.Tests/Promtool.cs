using System.Diagnostics;

namespace Mesh.Telemetry.Tests;

/// <summary>Runs the real <c>promtool check metrics</c> (Debian package <c>prometheus</c>) on an exposition.</summary>
internal static class Promtool
{
    public static void AssertValid(string exposition)
    {
        var start = new ProcessStartInfo("promtool", ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("promtool did not start.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                "promtool is not installed; install the Debian 'prometheus' package (scripts/test.sh does).", e);
        }

        using (process)
        {
            process.StandardInput.Write(exposition);
            process.StandardInput.Close();
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            Assert.True(
                process.ExitCode == 0,
                $"promtool check metrics failed ({process.ExitCode}):\n{output.Result}{error.Result}\n--- exposition ---\n{exposition}");
        }
    }
}
