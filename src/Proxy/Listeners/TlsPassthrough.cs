// The connection handler of a TLS passthrough listener: the ClientHello's SNI picks a route, and the raw bytes are piped to an endpoint.
using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Mesh.Proxy.Authorization;
using Mesh.Proxy.Forwarding.LoadBalancing;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Peeks at the ClientHello without consuming it, matches its server name against the listener's SNI routes as the
/// current snapshot has them (route changes need no listener restart), picks a cluster by weight and an endpoint by
/// the cluster's balancer, connects, and copies both ways with pooled buffers. A client that half-closes gets its
/// FIN passed on and keeps receiving; the upstream closing or failing ends the connection. Unknown server names and
/// malformed ClientHellos are closed, unless the port also terminates TLS for other servers. A connection a route
/// takes is first authorized at connection level (AuthorizationPolicy on addresses, ports and SNI); denied, it is closed.
/// </summary>
internal sealed class TlsPassthrough(ProxySnapshotStore store, Random random, TimeProvider time, ILogger logger)
{
    // Istio's default connectTimeout.
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <param name="terminates">Whether the listener terminates TLS too: connections no SNI route takes go on to it.</param>
    /// <param name="deadline">How long a client may take to send its ClientHello.</param>
    public Func<ConnectionDelegate, ConnectionDelegate> Middleware(ListenerModel listener, bool terminates, ListenerFilterDeadline deadline) =>
        next => connection => HandleAsync(connection, listener.EndPointKey, listener.Name, terminates ? next : null, deadline);

    private async Task HandleAsync(ConnectionContext connection, string endPointKey, string listenerName, ConnectionDelegate? terminate, ListenerFilterDeadline deadline)
    {
        var remote = connection.RemoteEndPoint?.ToString() ?? "unknown";
        var source = deadline.Start();
        (ClientHelloStatus Status, string? ServerName) hello;
        try
        {
            hello = await PeekServerNameAsync(connection, source.Token);
        }
        catch (OperationCanceledException) when (source.IsCancellationRequested)
        {
            deadline.Expired(connection);
            return;
        }
        finally
        {
            deadline.End(source);
        }

        var (status, serverName) = hello;
        if (status != ClientHelloStatus.Complete)
        {
            ListenerLog.PassthroughRefused(logger, listenerName, remote, "no valid TLS ClientHello");
            return;
        }

        var snapshot = store.Current;
        var route = snapshot.ListenersByEndPoint.TryGetValue(endPointKey, out var listener) ? listener.SniRoutes?.Match(serverName) : null;
        if (route is null)
        {
            if (terminate is not null)
            {
                await terminate(connection);
                return;
            }

            ListenerLog.PassthroughRefused(logger, listenerName, remote, $"no route for SNI '{serverName ?? "(none)"}'");
            return;
        }

        // Envoy's network RBAC filter, before the connection is piped anywhere: what it can see is addresses, ports and SNI.
        if (listener!.Authorization is { } authorization
            && RequestAuthorizer.Deny(authorization, new ConnectionAttributes(connection.RemoteEndPoint as IPEndPoint, connection.LocalEndPoint as IPEndPoint, serverName)) is { } denial)
        {
            ListenerLog.PassthroughRefused(logger, listenerName, remote, $"denied by authorization, {denial}");
            return;
        }

        var clusterName = route.PickCluster(random);
        if (!snapshot.Clusters.TryGetValue(clusterName, out var cluster) || EndpointPicker.Pick(cluster, random) is not { } endpoint)
        {
            ListenerLog.PassthroughRefused(logger, listenerName, remote, $"route '{route.Name}': cluster '{clusterName}' has no endpoint");
            return;
        }

        endpoint.State.OnRequestStarted();
        try
        {
            var connectTimeout = cluster.Config.ConnectTimeoutMs > 0 ? TimeSpan.FromMilliseconds(cluster.Config.ConnectTimeoutMs) : DefaultConnectTimeout;
            using var socket = await ConnectAsync(endpoint.Config.Address, (int)endpoint.Config.Port, connectTimeout, cluster.Config.ConnectionPool?.TcpKeepalive);
            await PipeAsync(connection, socket);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            ListenerLog.PassthroughUpstreamFailed(logger, listenerName, remote, route.Name, $"{endpoint.Config.Address}:{endpoint.Config.Port}", ex.Message);
        }
        finally
        {
            endpoint.State.OnRequestEnded();
        }
    }

    /// <summary>Throws <see cref="OperationCanceledException"/> when <paramref name="deadline"/> fires first.</summary>
    private static async Task<(ClientHelloStatus Status, string? ServerName)> PeekServerNameAsync(ConnectionContext connection, CancellationToken deadline)
    {
        // Not ConnectionClosed: Kestrel fires it when the client half-closes, and a client may send its FIN right after the hello.
        var input = connection.Transport.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(deadline);
                var buffer = result.Buffer;
                var status = Parse(buffer, out var serverName);
                if (status == ClientHelloStatus.NeedMoreData && !result.IsCompleted && buffer.Length < ClientHelloParser.MaxClientHelloBytes)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }

                // Nothing consumed and nothing marked examined: the next read hands these bytes on at once.
                input.AdvanceTo(buffer.Start);
                return (status == ClientHelloStatus.NeedMoreData ? ClientHelloStatus.Invalid : status, serverName);
            }
        }
        catch (Exception ex) when (ex is IOException || ex is OperationCanceledException && !deadline.IsCancellationRequested)
        {
            // Reset by the client, or aborted by Kestrel.
            return (ClientHelloStatus.Invalid, null);
        }
    }

    private static ClientHelloStatus Parse(ReadOnlySequence<byte> buffer, out string? serverName)
    {
        if (buffer.IsSingleSegment)
        {
            return ClientHelloParser.TryReadServerName(buffer.FirstSpan, out serverName);
        }

        var length = (int)Math.Min(buffer.Length, ClientHelloParser.MaxClientHelloBytes);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            buffer.Slice(0, length).CopyTo(rented);
            return ClientHelloParser.TryReadServerName(rented.AsSpan(0, length), out serverName);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private async Task<Socket> ConnectAsync(string address, int port, TimeSpan connectTimeout, Contracts.Discovery.TcpKeepalive? keepalive)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            Configuration.UpstreamSockets.ApplyKeepalive(socket, keepalive);
            using var timeout = new CancellationTokenSource(connectTimeout, time);
            await socket.ConnectAsync(address, port, timeout.Token);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task PipeAsync(ConnectionContext connection, Socket socket)
    {
        // Our own signal, not ConnectionClosed, which fires on the client's half-close while the answer is still due.
        using var stop = new CancellationTokenSource();
        await using var upstream = new NetworkStream(socket, ownsSocket: false);
        var toUpstream = CopyToUpstreamAsync(connection.Transport.Input, upstream, socket, stop.Token);
        var toClient = upstream.CopyToAsync(connection.Transport.Output, stop.Token);
        var first = await Task.WhenAny(toUpstream, toClient);
        if (first == toUpstream && toUpstream.IsCompletedSuccessfully)
        {
            // The client half-closed: its FIN went on upstream, whose answer may still be coming.
            await toClient;
            return;
        }

        // The upstream closed or a side failed: stop the other direction, then report the failure if there was one.
        await stop.CancelAsync();
        await Task.WhenAll(Quietly(toUpstream), Quietly(toClient));
        await first;
    }

    private static async Task CopyToUpstreamAsync(PipeReader input, NetworkStream upstream, Socket socket, CancellationToken cancellationToken)
    {
        await input.CopyToAsync(upstream, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
    }

    private static async Task Quietly(Task task)
    {
        try
        {
            await task;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            // Already reported through the task that ended first, or the expected result of stopping it.
        }
    }
}
