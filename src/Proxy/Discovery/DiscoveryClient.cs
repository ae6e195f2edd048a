using Mesh.Contracts.Discovery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Discovery;

/// <summary>
/// Keeps the proxy subscribed to the control plane: on each connection subscribes to every type (node on the first
/// request, the applied version per type), answers every response with an ACK or NACK, and when the stream breaks keeps
/// serving the current snapshot while it reconnects with jittered exponential back-off.
/// </summary>
internal sealed class DiscoveryClient(
    IDiscoveryTransport transport,
    Node node,
    ConfigApplier applier,
    ProxySnapshotStore store,
    TimeProvider timeProvider,
    Random random,
    ILogger<DiscoveryClient> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await RunStreamAsync(stoppingToken))
                {
                    failures = 0;
                }

                DiscoveryLog.Disconnected(logger, "the control plane ended the stream");
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // The proxy is stopping; Grpc.Net.Client reports the cancelled call as an RpcException (Cancelled).
                return;
            }
            catch (Exception ex)
            {
                // Expected while the control plane is down or restarting (an RpcException, Unavailable): one line, no stack.
                DiscoveryLog.Disconnected(logger, ControlPlaneChannel.DescribeFailure(ex));
            }

            var delay = ReconnectBackoff.Next(++failures, random);
            DiscoveryLog.Reconnecting(logger, (long)delay.TotalMilliseconds);
            try
            {
                await Task.Delay(delay, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One stream's life; true if it delivered at least one response (the back-off starts over).</summary>
    private async Task<bool> RunStreamAsync(CancellationToken cancellationToken)
    {
        await using var stream = await transport.ConnectAsync(cancellationToken);
        var snapshot = store.Current;
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            var typeUrl = TypeUrls.PushOrder[i];
            var subscribe = new DiscoveryRequest { TypeUrl = typeUrl, VersionInfo = snapshot.GetApplied(typeUrl).Version };
            if (i == 0)
            {
                subscribe.Node = node;
            }

            await stream.SendAsync(subscribe, cancellationToken);
            if (i == 0)
            {
                // A gRPC call connects as its first request goes out: only now is the proxy known to be connected.
                DiscoveryLog.Connected(logger, node.Id);
            }
        }

        var received = false;
        await foreach (var response in stream.ReadAllAsync(cancellationToken))
        {
            received = true;
            var answer = await applier.ApplyAsync(response);
            await stream.SendAsync(answer, cancellationToken);
        }

        return received;
    }
}
