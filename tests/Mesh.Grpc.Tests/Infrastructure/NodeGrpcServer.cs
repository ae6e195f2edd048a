// A grpc-js server process (interop/server.js) on 127.0.0.1, started and waited for until it prints its port.
using System.Diagnostics;
using System.Globalization;

namespace Mesh.Grpc.Tests.Infrastructure;

internal sealed class NodeGrpcServer : IAsyncDisposable
{
    private readonly Process _process;

    private NodeGrpcServer(Process process, int port)
    {
        _process = process;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    public static async Task<NodeGrpcServer> StartAsync()
    {
        var process = Process.Start(NodeInterop.NodeStartInfo("server.js", "0")) ?? throw new InvalidOperationException("Could not start node.");
        try
        {
            using var limit = new CancellationTokenSource(NodeInterop.StartupTimeout);
            while (await process.StandardOutput.ReadLineAsync(limit.Token) is { } line)
            {
                if (line.StartsWith("READY ", StringComparison.Ordinal))
                {
                    return new NodeGrpcServer(process, int.Parse(line.AsSpan(6), CultureInfo.InvariantCulture));
                }
            }

            throw new InvalidOperationException($"node server.js exited before it was ready: {await process.StandardError.ReadToEndAsync()}");
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
