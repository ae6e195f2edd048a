using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Monitoring;
using Mesh.Grpc;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Discovery;

/// <summary>The gRPC handler of <c>StreamResources</c>: registers the proxy, pumps its requests into its event queue, runs its stream.</summary>
internal sealed class DiscoveryStreamHandler
{
    public static readonly GrpcMethod<DiscoveryRequest, DiscoveryResponse> Method = new(
        "/mesh.discovery.v1.AggregatedDiscoveryService/StreamResources", DiscoveryRequest.Parser, DiscoveryResponse.Parser);

    private readonly MeshSnapshotStore _snapshots;
    private readonly ConnectionRegistry _registry;
    private readonly SemaphoreSlim _pushThrottle;
    private readonly ControlPlaneMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public DiscoveryStreamHandler(MeshSnapshotStore snapshots, ConnectionRegistry registry, SemaphoreSlim pushThrottle, ControlPlaneMetrics metrics,
        TimeProvider time, ILogger<DiscoveryStreamHandler> logger)
    {
        _snapshots = snapshots;
        _registry = registry;
        _pushThrottle = pushThrottle;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    public async Task HandleAsync(IGrpcStreamReader<DiscoveryRequest> requests, IGrpcStreamWriter<DiscoveryResponse> responses, GrpcServerCallContext context)
    {
        // Our own token as well as the call's: when the stream loop fails, the request pump must stop before we return.
        using var streamCancellation = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var cancellationToken = streamCancellation.Token;
        var enumerator = requests.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            if (!await enumerator.MoveNextAsync()) return;
            var node = enumerator.Current.Node;
            if (node is null || node.Id.Length == 0)
            {
                throw new GrpcException(GrpcStatusCode.InvalidArgument, "The first request of a discovery stream must carry node.id.");
            }
            await ServeAsync(node, enumerator, responses, context, streamCancellation);
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }

    private async Task ServeAsync(Node node, IAsyncEnumerator<DiscoveryRequest> enumerator, IGrpcStreamWriter<DiscoveryResponse> responses,
        GrpcServerCallContext context, CancellationTokenSource streamCancellation)
    {
        var peer = context.HttpContext.Connection.RemoteIpAddress is { } ip
            ? $"{ip}:{context.HttpContext.Connection.RemotePort}"
            : "unknown";
        var connection = _registry.Add(node, peer);
        _metrics.ProxyConnected(node.ProxyVersion);
        DiscoveryLog.ProxyConnected(_logger, node.Id, peer, connection.Id);
        var pump = PumpRequestsAsync(enumerator, connection);
        try
        {
            var stream = new DiscoveryStream(connection, responses, _snapshots, _pushThrottle, _metrics, _time, _logger);
            await stream.RunAsync(streamCancellation.Token);
        }
        catch (Exception ex) when (context.CancellationToken.IsCancellationRequested || ex is IOException)
        {
            // The proxy went away (cancelled, reset or disconnected): nothing to answer.
            DiscoveryLog.StreamFailed(_logger, node.Id, ex);
        }
        finally
        {
            await streamCancellation.CancelAsync();
            await pump;
            _registry.Remove(connection);
            _metrics.ProxyDisconnected(node.ProxyVersion);
            DiscoveryLog.ProxyDisconnected(_logger, node.Id, connection.Id);
        }
    }

    /// <summary>Moves the proxy's requests into its event queue; never throws (a read error ends the queue with it).</summary>
    private static async Task PumpRequestsAsync(IAsyncEnumerator<DiscoveryRequest> enumerator, ProxyConnection connection)
    {
        try
        {
            while (await enumerator.MoveNextAsync()) connection.PostRequest(enumerator.Current);
            connection.CompleteEvents();
        }
        catch (Exception ex)
        {
            connection.CompleteEvents(ex);
        }
    }
}
