// A grpc-js process from this folder (client.js or discovery-server.js), read one JSON line at a time.
using System.Diagnostics;
using System.Text.Json;

namespace Mesh.ControlPlane.Tests.Interop;

/// <summary>Runs <c>node SCRIPT ARGS</c> in the interop folder, hands its JSON lines to the test, and kills it when disposed.</summary>
internal sealed class NodePeer : IAsyncDisposable
{
    private static readonly TimeSpan LineLimit = TimeSpan.FromSeconds(30);

    private readonly Process _process;
    private readonly Task<string> _stderr;

    private NodePeer(Process process)
    {
        _process = process;
        _stderr = process.StandardError.ReadToEndAsync();
    }

    /// <summary>tests/Mesh.ControlPlane.Tests/Interop in the source tree, found by walking up to the folder holding Mesh.sln.</summary>
    public static string InteropDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mesh.sln"))) directory = directory.Parent;
            if (directory is null) throw new InvalidOperationException($"No folder holding Mesh.sln above {AppContext.BaseDirectory}.");
            var interop = Path.Combine(directory.FullName, "tests", "Mesh.ControlPlane.Tests", "Interop");
            if (!Directory.Exists(Path.Combine(interop, "node_modules", "@grpc", "grpc-js")))
            {
                throw new InvalidOperationException($"The grpc-js interop peer is not installed: run `npm ci` in {interop} before the tests.");
            }
            return interop;
        }
    }

    public static NodePeer Start(string script, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("node")
        {
            WorkingDirectory = InteropDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(script);
        foreach (var argument in arguments) startInfo.ArgumentList.Add(argument);
        return new NodePeer(Process.Start(startInfo) ?? throw new InvalidOperationException("Could not start node."));
    }

    /// <summary>The next JSON line the peer printed; fails with its stderr if it exits or stays silent too long.</summary>
    public async Task<JsonElement> ReadAsync()
    {
        using var limit = new CancellationTokenSource(LineLimit);
        string? line;
        try
        {
            line = await _process.StandardOutput.ReadLineAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"node {string.Join(' ', _process.StartInfo.ArgumentList)} printed nothing for {LineLimit.TotalSeconds} s.");
        }
        if (line is null)
        {
            await _process.WaitForExitAsync();
            throw new InvalidOperationException($"node {string.Join(' ', _process.StartInfo.ArgumentList)} exited with {_process.ExitCode}: {await _stderr}");
        }
        return JsonDocument.Parse(line).RootElement;
    }

    /// <summary>Reads lines until one whose "event" is <paramref name="name"/>.</summary>
    public async Task<JsonElement> ReadEventAsync(string name)
    {
        while (true)
        {
            var line = await ReadAsync();
            if (line.GetProperty("event").GetString() == name) return line;
        }
    }

    /// <summary>Writes <paramref name="text"/> to the peer's stdin and closes it.</summary>
    public async Task CompleteInputAsync(string text = "")
    {
        await _process.StandardInput.WriteAsync(text);
        _process.StandardInput.Close();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
