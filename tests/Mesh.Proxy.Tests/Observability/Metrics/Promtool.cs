using System.Diagnostics;

namespace Mesh.Proxy.Tests.Observability.Metrics;

/// <summary>
/// Runs the real <c>promtool check metrics</c> (Debian package <c>prometheus</c>) on an exposition. A parse error
/// always fails. Lint findings (exit code 3) fail too, except the base-unit lint on the duration names Istio mandates
/// in milliseconds, which Istio's own proxies trip as well.
/// </summary>
internal static class Promtool
{
    private static readonly string[] AllowedLintFindings =
    [
        "istio_request_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\"",
        "mesh_route_request_duration_milliseconds use base unit \"seconds\" instead of \"milliseconds\"",
    ];

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
            var findings = (output.Result + "\n" + error.Result).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var onlyAllowedLint = process.ExitCode == 3 && findings.Length > 0 && findings.All(AllowedLintFindings.Contains);
            Assert.True(
                process.ExitCode == 0 || onlyAllowedLint,
                $"promtool check metrics failed ({process.ExitCode}):\n{output.Result}{error.Result}\n--- exposition ---\n{exposition}");
        }
    }
}
