using Grpc.Core;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Monitoring;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Discovery;

/// <summary>The gRPC service of <c>StreamResources</c>: admits the proxy, registers it, pumps its requests into its event queue, runs its stream.</summary>
/// <remarks>
/// A discovery stream never ends by itself, and Kestrel waits for open requests before it stops (30 s by default), so
/// streams end when the control plane starts stopping: each proxy is told UNAVAILABLE and reconnects.
/// </remarks>
internal sealed class DiscoveryService : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
{
    private readonly MeshSnapshotStore _snapshots;
    private readonly ConnectionRegistry _registry;
    private readonly SemaphoreSlim _pushThrottle;
    private readonly SharedResourcePool _pool;
    private readonly ControlPlaneMetrics _metrics;
    private readonly DiscoveryAccess _access;
    private readonly TimeProvider _time;
    private readonly CancellationToken _stopping;
    private readonly ILogger _logger;

    /// <param name="pushThrottle">Shared by every stream: at most its count of proxies regenerate and send at once.</param>
    /// <param name="pool">The packed resources every stream holds, one copy per distinct content.</param>
    public DiscoveryService(MeshSnapshotStore snapshots, ConnectionRegistry registry, SemaphoreSlim pushThrottle, SharedResourcePool pool,
        ControlPlaneMetrics metrics, DiscoveryAccess access, TimeProvider time, CancellationToken stopping, ILogger<DiscoveryService> logger)
    {
        _pool = pool;
        _access = access;
        _snapshots = snapshots;
        _registry = registry;
        _pushThrottle = pushThrottle;
        _metrics = metrics;
        _time = time;
        _stopping = stopping;
        _logger = logger;
    }

    public override async Task StreamResources(IAsyncStreamReader<DiscoveryRequest> requests, IServerStreamWriter<DiscoveryResponse> responses, ServerCallContext context)
    {
        // Our own token as well as the call's: when the stream loop fails, the request pump must stop before we return.
        using var streamCancellation = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, _stopping);
        var cancellationToken = streamCancellation.Token;
        var enumerator = requests.ReadAllAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
        try
        {
            if (!await enumerator.MoveNextAsync()) return;
            var node = enumerator.Current.Node;
            if (node is null || node.Id.Length == 0)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, "The first request of a discovery stream must carry node.id."));
            }
            // The node is read once, from the first request: later requests cannot switch the stream to another node.
            var peer = Peer(context);
            var caller = await _access.AdmitAsync(node, peer, context, _snapshots.Current);
            await ServeAsync(node, peer, caller, enumerator, responses, context, streamCancellation);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the control plane is shutting down"));
        }
        finally
        {
            await enumerator.DisposeAsync();
        }
    }

    private static string Peer(ServerCallContext context)
    {
        var connectionInfo = context.GetHttpContext().Connection;
        return connectionInfo.RemoteIpAddress is { } ip ? $"{ip}:{connectionInfo.RemotePort}" : "unknown";
    }

    private async Task ServeAsync(Node node, string peer, DiscoveryCaller? caller, IAsyncEnumerator<DiscoveryRequest> enumerator,
        IServerStreamWriter<DiscoveryResponse> responses, ServerCallContext context, CancellationTokenSource streamCancellation)
    {
        var connection = _registry.Add(node, peer, caller);
        _metrics.ProxyConnected(node.ProxyVersion);
        DiscoveryLog.ProxyConnected(_logger, node.Id, peer, caller?.Identity.Uri ?? "anonymous", caller?.Credential ?? "no credentials", connection.Id);
        var pump = PumpRequestsAsync(enumerator, connection);
        try
        {
            var stream = new DiscoveryStream(connection, responses, _snapshots, _pushThrottle, _pool, _metrics, _access, _time, _logger);
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
