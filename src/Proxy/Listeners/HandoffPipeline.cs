// The connection pipeline of a listener that serves more than HTTP: a captured sidecar's 15001 and 15006, and TCP or AUTO listeners.
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Forwarding.Tcp;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Per connection: the original destination (use_original_dst) picks the listener that serves it, whose settings
/// apply from then on: its inbound TLS mode (STRICT refuses plaintext, PERMISSIVE tells TLS from plaintext by the first
/// byte), then its protocol: HTTP goes to Kestrel's HTTP stage (routed by that listener, <see cref="ListenerApplication"/>),
/// TCP to <see cref="TcpProxy"/>, AUTO is sniffed (<see cref="ProtocolSniffing"/>) and goes to either. A connection
/// with no original destination came to the port itself (a direct client, as an application using 15001 as its HTTP
/// proxy): it is served as HTTP by this listener's routes, as the outbound listener always was.
/// </summary>
internal sealed class HandoffPipeline(
    ProxySnapshotStore store, IOriginalDestinations originalDestinations, TcpProxy tcpProxy, InboundTls inboundTls, WorkloadIdentityStore identity,
    TimeSpan detectionTimeout, ILogger logger)
{
    /// <param name="deadline">Bounds every look at the first bytes (TLS or not, h2c or not, HTTP or not), all looks together.</param>
    /// <param name="handshakeTimeout">Bounds the TLS handshake of connections that start one.</param>
    public void Configure(ListenOptions listen, ListenerModel listener, ListenerFilterDeadline deadline, TimeSpan handshakeTimeout)
    {
        // Kestrel composes middleware in reverse: both are set before any connection arrives.
        ConnectionDelegate? tls = null;
        ConnectionDelegate? http = null;
        listen.Use(next =>
        {
            tls = next;
            return connection => AcceptAsync(connection, listener, deadline, tls, http!);
        });
        if (identity.IsEnabled)
        {
            inboundTls.UseTls(listen, listener.Name, handshakeTimeout);
        }

        // Only TLS connections come through here, after the handshake.
        listen.Use(_ => connection => ServeAsync(connection, listener, TargetOf(connection, listener), tlsTerminated: true, deadline, http!));
        listen.Use(next =>
        {
            http = next;
            return next;
        });
    }

    private async Task AcceptAsync(ConnectionContext connection, ListenerModel listener, ListenerFilterDeadline deadline, ConnectionDelegate tls, ConnectionDelegate http)
    {
        var self = Current(listener);
        var target = listener.UseOriginalDst ? HandOff(connection, self) : new Target(self, self.Protocol);
        var mode = target.Listener.Config.TlsMode;
        if (!InboundTls.UsesTls(mode, identity))
        {
            await ServeAsync(connection, listener, target, tlsTerminated: false, deadline, http);
            return;
        }

        var strict = mode == InboundTlsMode.Strict;
        // A PERMISSIVE port that may carry a server-first protocol waits for a first byte only as long as sniffing does.
        var waitsShort = !strict && target.Protocol != ListenerProtocol.Http;
        var source = waitsShort ? deadline.Start(detectionTimeout) : deadline.Start();
        bool? isTls;
        try
        {
            isTls = await TlsHandshakeSniffing.StartsWithTlsAsync(connection, source.Token);
        }
        finally
        {
            deadline.End(source);
        }

        if (isTls is null && waitsShort)
        {
            // Silence: a server-first protocol's client waiting for the server, in plaintext.
            await tcpProxy.ServeAsync(connection, target.Listener);
        }
        else if (isTls is null)
        {
            deadline.Expired(connection);
        }
        else if (isTls.Value)
        {
            await tls(connection);
        }
        else if (strict)
        {
            inboundTls.RefusePlaintext(connection, listener.Name);
        }
        else
        {
            await ServeAsync(connection, listener, target, tlsTerminated: false, deadline, http);
        }
    }

    /// <summary>The listener of the connection's original destination, recorded on the connection for the stages after this one.</summary>
    private Target HandOff(ConnectionContext connection, ListenerModel listener)
    {
        var destination = originalDestinations.Find(connection);
        if (destination is null || destination.Equals(connection.LocalEndPoint))
        {
            // A direct client (no NAT entry): the explicit HTTP proxy of local mode.
            return new Target(listener, ListenerProtocol.Http);
        }

        var target = store.Current.Handoffs.Find(listener.Config.Direction, destination) ?? listener;
        connection.Features.Set(new OriginalDestinationFeature(destination, target));
        if (logger.IsEnabled(LogLevel.Debug))
        {
            HandoffLog.HandedOff(logger, listener.Name, connection.RemoteEndPoint?.ToString() ?? "unknown", destination.ToString(), target.Name, target.Protocol.ToString());
        }

        return new Target(target, target.Protocol);
    }

    /// <summary>After the TLS stage: the listener chosen before it, as the connection records it.</summary>
    private Target TargetOf(ConnectionContext connection, ListenerModel listener)
    {
        if (connection.Features.Get<OriginalDestinationFeature>() is { } handedOff)
        {
            return new Target(handedOff.Listener, handedOff.Listener.Protocol);
        }

        var self = Current(listener);
        return new Target(self, listener.UseOriginalDst ? ListenerProtocol.Http : self.Protocol);
    }

    /// <summary>
    /// The listener as the current config has it, not as it was when its server started: tcp_clusters and routes change
    /// without a restart (a change of protocol, TLS mode or hand-off restarts the server, ListenerManager).
    /// </summary>
    private ListenerModel Current(ListenerModel listener) =>
        store.Current.ListenersByEndPoint.TryGetValue(listener.EndPointKey, out var current) ? current : listener;

    private async Task ServeAsync(ConnectionContext connection, ListenerModel listener, Target target, bool tlsTerminated, ListenerFilterDeadline deadline, ConnectionDelegate http)
    {
        switch (target.Protocol)
        {
            case ListenerProtocol.Tcp:
                await tcpProxy.ServeAsync(connection, target.Listener);
                return;
            case ListenerProtocol.Auto:
                var source = deadline.Start(detectionTimeout);
                SniffedProtocol sniffed;
                try
                {
                    sniffed = await ProtocolSniffing.DetectAsync(connection, source, deadline);
                }
                finally
                {
                    deadline.End(source);
                }

                if (logger.IsEnabled(LogLevel.Debug))
                {
                    HandoffLog.Sniffed(logger, listener.Name, connection.RemoteEndPoint?.ToString() ?? "unknown", sniffed);
                }

                switch (sniffed)
                {
                    case SniffedProtocol.Tcp:
                        await tcpProxy.ServeAsync(connection, target.Listener);
                        return;
                    case SniffedProtocol.Http2 when !tlsTerminated:
                        PriorKnowledgeHttp2Detection.MarkHttp2(connection);
                        break;
                    case SniffedProtocol.Closed:
                        return;
                }

                await http(connection);
                return;
            default:
                if (!tlsTerminated && !await DetectH2cAsync(connection, deadline))
                {
                    return;
                }

                await http(connection);
                return;
        }
    }

    /// <summary>Marks an h2c connection for Kestrel; false when the deadline closed the connection.</summary>
    private static async ValueTask<bool> DetectH2cAsync(ConnectionContext connection, ListenerFilterDeadline deadline)
    {
        var source = deadline.Start();
        bool? isHttp2;
        try
        {
            isHttp2 = await PriorKnowledgeHttp2Detection.StartsWithPrefaceAsync(connection, source.Token);
        }
        finally
        {
            deadline.End(source);
        }

        if (isHttp2 is null)
        {
            deadline.Expired(connection);
            return false;
        }

        if (isHttp2.Value)
        {
            PriorKnowledgeHttp2Detection.MarkHttp2(connection);
        }

        return true;
    }

    /// <summary>The listener serving a connection and the protocol it is served as (HTTP for a direct client of a capturing listener).</summary>
    private readonly record struct Target(ListenerModel Listener, ListenerProtocol Protocol);
}
