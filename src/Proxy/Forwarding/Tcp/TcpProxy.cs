using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Authorization;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Forwarding.LoadBalancing;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Endpoint = Mesh.Contracts.Discovery.Endpoint;

namespace Mesh.Proxy.Forwarding.Tcp;

/// <summary>
/// Proxies one accepted connection as opaque TCP (Envoy's tcp_proxy): picks one of the listener's tcp_clusters by
/// weight, applies connection-level authorization, connects (mTLS to another sidecar where the cluster says so) and
/// pipes bytes both ways, recording Istio's istio_tcp_* metrics. One connect attempt, as Istio leaves Envoy's
/// max_connect_attempts at its default of 1: a failed connect closes the connection (UF) and counts against the
/// endpoint in outlier detection, so the next connection goes elsewhere.
/// </summary>
internal sealed class TcpProxy(
    ProxySnapshotStore store, ProxyOptions options, TcpTelemetry telemetry, ForwardingLog authorizationLog, TcpProxyLog log, Random random, TimeProvider time)
{
    /// <summary>Istio's default connect timeout, for the passthrough clusters when the control plane sent none.</summary>
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Serves <paramref name="connection"/> until either side closes. Bytes a sniffer examined but did not consume are
    /// still in <c>connection.Transport.Input</c> and are sent first. The verified peer, when mTLS was terminated, is
    /// <c>connection.Features.Get&lt;PeerIdentityFeature&gt;()</c>; the original destination is
    /// <c>connection.Features.Get&lt;OriginalDestinationFeature&gt;()</c>.
    /// </summary>
    public async Task ServeAsync(ConnectionContext connection, ListenerModel listener)
    {
        var started = time.GetTimestamp();
        var original = connection.Features.Get<OriginalDestinationFeature>()?.Destination;
        var accessLog = telemetry.AccessLogEnabled(listener);
        var observation = new TcpObservation
        {
            Snapshot = store.Current,
            ListenerName = listener.Name,
            IsInbound = listener.Config.Direction == TrafficDirection.Inbound,
            StartTimestamp = started,
            AccessLog = accessLog,
            Telemetry = listener.Telemetry,
            StartTime = accessLog ? time.GetUtcNow() : default,
            Remote = connection.RemoteEndPoint as IPEndPoint,
            OriginalDestination = original,
            Local = original ?? connection.LocalEndPoint as IPEndPoint,
            ServerName = connection.Features.Get<ITlsHandshakeFeature>()?.HostName is { Length: > 0 } sni ? sni : null,
            PeerSpiffeId = connection.Features.Get<PeerIdentityFeature>()?.SpiffeId,
        };
        try
        {
            if (Authorize(listener, observation))
            {
                await ProxyAsync(connection, listener, observation);
            }
        }
        catch (Exception ex)
        {
            // Left to Kestrel, it would be logged with its stack once per connection.
            log.Unexpected(listener.Name, Remote(observation), ex);
        }
        finally
        {
            telemetry.Close(observation, time.GetElapsedTime(started));
        }
    }

    /// <summary>
    /// Envoy's network RBAC filter, before any upstream: on the connection's addresses, ports, SNI and verified peer.
    /// HTTP-only fields follow Istio's rule for TCP traffic (istio.io/latest/docs/concepts/security/#authorization-of-plain-tcp-protocols,
    /// and the authz-tcp task): an ALLOW rule that needs one never matches; in a DENY rule it is ignored, so the rule
    /// matches more. <see cref="ConnectionAttributes.Has"/> says which attributes a connection has.
    /// </summary>
    private bool Authorize(ListenerModel listener, TcpObservation observation)
    {
        if (listener.Authorization is not { } authorization)
        {
            return true;
        }

        var attributes = new ConnectionAttributes(observation.Remote, observation.Local, observation.ServerName, observation.PeerSpiffeId);
        if (authorization.HasRecordedRules && authorizationLog.RecordsAuthorization)
        {
            authorizationLog.RecordAuthorization(authorization, listener.Name, attributes);
        }

        if (RequestAuthorizer.Deny(authorization, attributes) is not { } denial)
        {
            return true;
        }

        // Envoy sets no response flag for an RBAC denial on TCP: it says why in the termination details.
        observation.TerminationDetails = denial;
        log.Denied(listener.Name, Remote(observation), denial);
        return false;
    }

    private async Task ProxyAsync(ConnectionContext connection, ListenerModel listener, TcpObservation observation)
    {
        if (listener.TcpRoute is not { } route)
        {
            observation.Flags |= ResponseFlags.NoClusterFound;
            log.Refused(listener.Name, Remote(observation), "-", "the listener has no tcp_clusters");
            return;
        }

        var clusterName = route.PickCluster(random);
        observation.ClusterName = clusterName;
        observation.Snapshot.Clusters.TryGetValue(clusterName, out var cluster);
        observation.Cluster = cluster;
        if (Choose(clusterName, cluster, observation) is not { } endpoint)
        {
            return;
        }

        observation.Endpoint = endpoint;
        var limits = cluster?.Limits;
        if (limits is not null && !cluster!.State.TryStartConnection(limits.MaxConnections))
        {
            // Envoy's max_connections circuit breaker for tcp_proxy: the connection is closed, never queued.
            observation.Flags |= ResponseFlags.UpstreamOverflow;
            log.Refused(listener.Name, Remote(observation), clusterName, $"{limits.MaxConnections} connection(s) open: the circuit breaker's maxConnections");
            return;
        }

        endpoint.State.OnRequestStarted();
        try
        {
            await using var upstream = await ConnectAsync(listener, cluster, endpoint, observation);
            if (upstream is null)
            {
                return;
            }

            var edge = telemetry.Open(observation);
            var pool = cluster?.Config.ConnectionPool;
            // DestinationRule tcp.idleTimeout (0: never) over the proxy's --idle-timeout; tcp.maxConnectionDuration.
            var idleTimeout = pool is { HasTcpIdleTimeoutMs: true } ? TimeSpan.FromMilliseconds(pool.TcpIdleTimeoutMs) : options.Listeners.IdleTimeout;
            var maxDuration = TimeSpan.FromMilliseconds(pool?.MaxConnectionDurationMs ?? 0);
            using var pipe = new TcpPipe(idleTimeout, maxDuration, time, edge, observation.Telemetry?.Metrics);
            try
            {
                await pipe.RunAsync(connection.Transport, upstream);
            }
            finally
            {
                observation.Received = pipe.Received;
                observation.Sent = pipe.Sent;
            }
        }
        finally
        {
            endpoint.State.OnRequestEnded();
            if (limits is not null)
            {
                cluster!.State.EndConnection();
            }
        }
    }

    /// <summary>The endpoint for this connection; null (and the connection's flag set) when there is none.</summary>
    private EndpointModel? Choose(string clusterName, ClusterModel? cluster, TcpObservation observation)
    {
        string reason;
        switch (clusterName)
        {
            case FallthroughNames.BlackHoleCluster:
                // Istio's BlackHoleCluster has no endpoints: Envoy's tcp_proxy reports no healthy upstream.
                observation.Flags |= ResponseFlags.NoHealthyUpstream;
                log.Refused(observation.ListenerName, Remote(observation), clusterName, "outboundTrafficPolicy REGISTRY_ONLY: the destination is not in the registry");
                return null;
            case FallthroughNames.InboundPassthroughCluster:
                if (AppAt(observation.OriginalDestination) is { } app)
                {
                    return app;
                }

                reason = options.App is null ? "this proxy has no --app" : "the connection has no original destination";
                break;
            case FallthroughNames.PassthroughCluster:
                if (observation.OriginalDestination is { } original)
                {
                    return EndpointAt(original.Address.ToString(), original.Port);
                }

                reason = "the connection has no original destination";
                break;
            default:
                if (cluster is null)
                {
                    observation.Flags |= ResponseFlags.NoClusterFound;
                    log.Refused(observation.ListenerName, Remote(observation), clusterName, "no such cluster");
                    return null;
                }

                // lb PASSTHROUGH (Envoy ORIGINAL_DST): where the client meant to go; without capture, the balancer's choice.
                var endpoint = cluster.Config.LbPolicy == LoadBalancerPolicy.Passthrough && observation.OriginalDestination is { } destination
                    ? EndpointAt(destination.Address.ToString(), destination.Port)
                    : null;
                if ((endpoint ??= EndpointPicker.Pick(cluster, random)) is not null)
                {
                    return endpoint;
                }

                reason = "no healthy endpoint";
                break;
        }

        observation.Flags |= ResponseFlags.NoHealthyUpstream;
        log.Refused(observation.ListenerName, Remote(observation), clusterName, reason);
        return null;
    }

    /// <summary>Connects within the cluster's connect timeout, with its TLS; null (flag UF, outlier detection told) when that fails.</summary>
    private async Task<TcpUpstream?> ConnectAsync(ListenerModel listener, ClusterModel? cluster, EndpointModel endpoint, TcpObservation observation)
    {
        var target = new DnsEndPoint(endpoint.Config.Address, (int)endpoint.Config.Port);
        using var timeout = new CancellationTokenSource(cluster?.Transport.ConnectTimeout ?? DefaultConnectTimeout, time);
        try
        {
            TcpUpstream upstream;
            if (cluster?.Transport.TlsConnector is { } tls)
            {
                var (ssl, socket) = await tls.ConnectOpaqueAsync(target, timeout.Token);
                upstream = new TcpUpstream(ssl, socket);
            }
            else
            {
                var socket = await UpstreamSockets.ConnectAsync(target, cluster?.Config.ConnectionPool?.TcpKeepalive, timeout.Token);
                upstream = new TcpUpstream(new NetworkStream(socket, ownsSocket: true), socket);
            }

            observation.UpstreamLocalAddress = upstream.LocalAddress;
            // Envoy's outlier detection hears a connect success as a 200 when local-origin errors are not split.
            cluster?.Outlier?.OnResponse(endpoint, 200);
            return upstream;
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException or AuthenticationException)
        {
            var reason = ex is OperationCanceledException ? $"connect timeout ({(cluster?.Transport.ConnectTimeout ?? DefaultConnectTimeout).TotalMilliseconds:0} ms)" : ex.Message;
            observation.Flags |= ResponseFlags.UpstreamConnectionFailure;
            observation.UpstreamFailure = reason;
            cluster?.Outlier?.OnLocalOriginFailure(endpoint);
            log.ConnectFailed(listener.Name, Remote(observation), observation.ClusterName ?? "-", endpoint.Key, reason);
            return null;
        }
    }

    /// <summary>Istio's InboundPassthroughCluster: the application (the host of --app) at the port the client meant.</summary>
    private EndpointModel? AppAt(IPEndPoint? originalDestination)
    {
        if (originalDestination is null || options.App is not { } app)
        {
            return null;
        }

        // --app is HOST:PORT (checked by the command line); an IPv6 host is written in brackets.
        var host = app[..app.LastIndexOf(':')].Trim('[', ']');
        return EndpointAt(host, originalDestination.Port);
    }

    private static EndpointModel EndpointAt(string address, int port) =>
        new(new Endpoint { Address = address, Port = (uint)port }, new EndpointState());

    private static string Remote(TcpObservation observation) => observation.Remote?.ToString() ?? "unknown";
}
