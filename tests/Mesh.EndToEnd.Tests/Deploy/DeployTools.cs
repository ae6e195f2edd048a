using System.Diagnostics;

namespace Mesh.EndToEnd.Tests.Deploy;

/// <summary>
/// The machine's kubectl and node, and the npm folder of the schema validator: a test that needs one skips, saying
/// which is missing, and fails instead under CI=true (scripts/test.sh installs them all).
/// </summary>
internal static class DeployTools
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    /// <summary>tests/Mesh.EndToEnd.Tests/Deploy/schema in the repository: validate.mjs and its node_modules.</summary>
    public static string SchemaFolder(string repositoryRoot) => Path.Combine(repositoryRoot, "tests", "Mesh.EndToEnd.Tests", "Deploy", "schema");

    public static void RequireKubectl() => Require(OnPath("kubectl"), "kubectl is not on PATH: rendering deploy/ needs `kubectl kustomize`");

    public static void RequireNode(string repositoryRoot)
    {
        Require(OnPath("node"), "node is not on PATH: the schema validation of deploy/ runs validate.mjs");
        Require(Directory.Exists(Path.Combine(SchemaFolder(repositoryRoot), "node_modules", "kubernetes-models")),
            "tests/Mesh.EndToEnd.Tests/Deploy/schema has no node_modules: run `npm ci` there (scripts/test.sh does)");
    }

    /// <summary>Runs a program to the end, with <paramref name="stdin"/> written to it; fails the test past the time limit.</summary>
    public static async Task<(int Exit, string Out, string Err)> RunAsync(string program, IEnumerable<string> args, string? stdin = null, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.StandardInput.WriteAsync(stdin ?? "");
        process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(Limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{program} {string.Join(' ', start.ArgumentList)} did not finish in {Limit}: {await error}");
        }
        return (process.ExitCode, await output, await error);
    }

    /// <summary>Skips (fails under CI=true) unless <paramref name="program"/> is on PATH, saying <paramref name="why"/> it is needed.</summary>
    public static void RequireProgram(string program, string why) => Require(OnPath(program), $"{program} is not on PATH: {why}");

    private static void Require(bool present, string missing)
    {
        if (!present && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(missing + "; CI=true requires it.");
        }
        Skip.IfNot(present, missing);
    }

    private static bool OnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Any(folder => File.Exists(Path.Combine(folder, program)));
}
