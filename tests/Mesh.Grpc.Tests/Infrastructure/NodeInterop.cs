// Runs the grpc-js peer in interop/: a server to call, or a client scenario against our server.
using System.Diagnostics;
using System.Text.Json;

namespace Mesh.Grpc.Tests.Infrastructure;

internal static class NodeInterop
{
    private static readonly TimeSpan StartupLimit = TimeSpan.FromSeconds(30);

    /// <summary>tests/Mesh.Grpc.Tests/interop in the source tree, found by walking up to the folder holding Mesh.sln.</summary>
    public static string InteropDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
            {
                directory = directory.Parent;
            }

            if (directory is null)
            {
                throw new InvalidOperationException($"Cannot find the repository root (a folder holding Mesh.sln) above {AppContext.BaseDirectory}.");
            }

            var interop = Path.Combine(directory.FullName, "tests", "Mesh.Grpc.Tests", "interop");
            if (!Directory.Exists(Path.Combine(interop, "node_modules", "@grpc", "grpc-js")))
            {
                throw new InvalidOperationException($"The grpc-js interop peer is not installed: run `npm ci` in {interop} before the tests.");
            }

            return interop;
        }
    }

    public static ProcessStartInfo NodeStartInfo(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = InteropDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }

    /// <summary>Runs `node client.js PORT SCENARIO` against our server and returns what it printed.</summary>
    public static async Task<NodeClientResult> RunClientAsync(int port, string scenario)
    {
        using var process = Process.Start(NodeStartInfo("client.js", port.ToString(System.Globalization.CultureInfo.InvariantCulture), scenario))
            ?? throw new InvalidOperationException("Could not start node.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(StartupLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node client.js {scenario} did not finish; stderr: {await stderr}");
        }

        var output = (await stdout).Trim();
        if (process.ExitCode != 0 || output.Length == 0)
        {
            throw new InvalidOperationException($"node client.js {scenario} exited with {process.ExitCode}; stdout: {output}; stderr: {await stderr}");
        }

        return JsonSerializer.Deserialize<NodeClientResult>(output.Split('\n')[^1], new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
            ?? throw new InvalidOperationException($"node client.js printed no result: {output}");
    }

    public static TimeSpan StartupTimeout => StartupLimit;
}
