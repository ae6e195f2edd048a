using Mesh.Proxy.Configuration;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Forwarding;
using Mesh.Proxy.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Runs one Kestrel server per listener socket, so listeners come and go as LDS changes without touching the others.
/// Called by the discovery applier, one response at a time, and once by the drain on shutdown, which ends it: no
/// listener starts after the drain began.
/// </summary>
internal sealed class ListenerManager(
    IServiceProvider services,
    IHttpContextFactory contextFactory,
    ProxyRequestHandler handler,
    Forwarding.Tcp.TcpProxy tcpProxy,
    IOriginalDestinations originalDestinations,
    WorkloadIdentityStore identity,
    ProxySnapshotStore store,
    ProxyOptions proxyOptions,
    ListenerHealth health,
    ListenerMetrics metrics,
    DescriptorReserve reserve,
    Random random,
    TimeProvider time,
    ILoggerFactory loggerFactory)
    : IAsyncDisposable
{
    /// <summary>How long a listener that config removed may take to finish its requests.</summary>
    private static readonly TimeSpan RemovedListenerDrain = TimeSpan.FromSeconds(5);

    /// <summary>Whether the listeners of each drain phase are the outbound ones: the others first.</summary>
    private static readonly bool[] DrainOrder = [false, true];

    // The applier and the shutdown drain run on different threads; neither is on the data path.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly Dictionary<string, KestrelServer> _running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ListenerConnectionLimit> _connections = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ListenerAcceptState> _accepts = new(StringComparer.Ordinal);
    // The listener config each running server was built with: a change of its TLS settings rebuilds that listener.
    private readonly Dictionary<string, Listener> _configs = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<ListenerManager>();
    private readonly InboundTls _inboundTls = new(identity, time, loggerFactory.CreateLogger<InboundTls>());
    private readonly GatewayTls _gatewayTls = new(time, loggerFactory.CreateLogger<GatewayTls>());
    private readonly TlsPassthrough _passthrough = new(store, random, time, loggerFactory.CreateLogger<TlsPassthrough>());
    private readonly ListenerLimits _limits = proxyOptions.Listeners;
    private HandoffPipeline? _handoff;
    private bool _drained;

    public IReadOnlyCollection<string> RunningEndPoints => _running.Keys;

    /// <summary>
    /// Binds every listener of <paramref name="candidate"/> not yet running, accepting once its routes are known; if
    /// one cannot bind, stops those started here and rejects the config.
    /// </summary>
    public async Task StartNewAsync(ProxySnapshot candidate, string context)
    {
        await _gate.WaitAsync();
        try
        {
            if (!_drained)
            {
                await StartNewLockedAsync(candidate, context);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StartNewLockedAsync(ProxySnapshot candidate, string context)
    {
        var started = new List<string>();
        foreach (var listener in candidate.ListenersByEndPoint.Values)
        {
            if (listener.Config.TlsMode == InboundTlsMode.Strict && !identity.IsEnabled)
            {
                throw new ConfigRejectedException($"{context}: listener '{listener.Name}'.tls_mode: STRICT needs a workload certificate, and this proxy has none (start it with --ca-token)");
            }

            // Envoy's listener warming: a listener binds at once (a port in use rejects the update), but accepts only
            // once its routes are known, so that no connection meets a 404 for want of them (a restarted proxy gets
            // its listeners just before their routes).
            var warm = IsWarm(listener, candidate);
            if (listener.HandoffOnly)
            {
                // Envoy's bind_to_port: false. Served through a use_original_dst listener, from the snapshot; a listener
                // that used to bind and no longer does lets its connections finish.
                if (_running.ContainsKey(listener.EndPointKey))
                {
                    await StopAsync(listener.EndPointKey, RemovedListenerDrain);
                    ListenerLog.Stopped(_logger, listener.EndPointKey);
                }

                continue;
            }

            if (_running.ContainsKey(listener.EndPointKey))
            {
                var running = _configs[listener.EndPointKey];
                // SNI routes are read from the snapshot per connection: only whether there are any shapes the listener.
                // So are tcp_clusters and hand-off targets; the protocol and the hand-off shape the pipeline.
                if (running.TlsMode == listener.Config.TlsMode && running.TlsServers.Equals(listener.Config.TlsServers)
                    && running.SniRoutes.Count > 0 == listener.Config.SniRoutes.Count > 0
                    && running.UseOriginalDst == listener.Config.UseOriginalDst && running.Protocol == listener.Config.Protocol)
                {
                    if (warm)
                    {
                        _accepts[listener.EndPointKey].EndWarming();
                    }

                    continue;
                }

                await StopAsync(listener.EndPointKey, RemovedListenerDrain);
            }

            var credentials = _gatewayTls.LoadCredentials(listener, context);
            var server = CreateServer(listener, credentials, warm);
            try
            {
                await server.StartAsync(new ListenerApplication(contextFactory, handler, listener.EndPointKey, listener.Config.Direction == TrafficDirection.Inbound), CancellationToken.None);
            }
            catch (Exception ex)
            {
                server.Dispose();
                health.Remove(listener.EndPointKey);
                _connections.Remove(listener.EndPointKey);
                _accepts.Remove(listener.EndPointKey);
                foreach (var key in started)
                {
                    await StopAsync(key, RemovedListenerDrain);
                }

                throw new ConfigRejectedException($"{context}: listener '{listener.Name}' cannot bind {listener.EndPointKey}: {ex.GetBaseException().Message}");
            }

            _running.Add(listener.EndPointKey, server);
            _configs[listener.EndPointKey] = listener.Config;
            started.Add(listener.EndPointKey);
            ListenerLog.Started(_logger, listener.Name, listener.EndPointKey, Describe(listener));
        }
    }

    /// <summary>
    /// Whether the routes the listener's connections may use are known: its own, and for a use_original_dst listener
    /// those of every listener of its direction it may hand a connection to.
    /// </summary>
    private static bool IsWarm(ListenerModel listener, ProxySnapshot candidate)
    {
        if (listener.RouteConfigName.Length > 0 && !candidate.RouteTables.ContainsKey(listener.RouteConfigName))
        {
            return false;
        }

        if (!listener.UseOriginalDst)
        {
            return true;
        }

        foreach (var target in candidate.ListenersByEndPoint.Values)
        {
            if (target.Config.Direction == listener.Config.Direction && target.RouteConfigName.Length > 0 && !candidate.RouteTables.ContainsKey(target.RouteConfigName))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Stops the running listeners that <paramref name="applied"/> no longer has, letting their requests finish.</summary>
    public async Task StopRemovedAsync(ProxySnapshot applied)
    {
        await _gate.WaitAsync();
        try
        {
            await StopRemovedLockedAsync(applied);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The shutdown drain (Istio's terminationDrainDuration): every listener stops accepting, and its connections
    /// close once their requests are done (Kestrel answers HTTP/1.1 with <c>Connection: close</c> and sends HTTP/2 a
    /// GOAWAY; idle connections close at once); what is still open when <paramref name="period"/> ends is cut. A
    /// sidecar drains its inbound listeners first and its outbound ones after, so that the application can still call
    /// out while it finishes the requests it was given, as Istio drains inbound listeners only.
    /// </summary>
    public async Task<DrainResult> DrainAsync(TimeSpan period, Func<int> requestsInFlight)
    {
        await _gate.WaitAsync();
        try
        {
            _drained = true;
            var started = time.GetTimestamp();
            ListenerLog.DrainStarted(_logger, period.TotalSeconds, _running.Count, OpenConnections(outbound: false) + OpenConnections(outbound: true), requestsInFlight());
            using var deadline = new CancellationTokenSource(period, time);
            var cut = 0;
            var requestsCut = 0;
            foreach (var outbound in DrainOrder)
            {
                var draining = new List<Task>();
                foreach (var (key, config) in _configs)
                {
                    if (config.Direction == TrafficDirection.Outbound == outbound)
                    {
                        draining.Add(_running[key].StopAsync(deadline.Token));
                    }
                }

                // Whatever is left when the deadline fires is what Kestrel aborts: counted just before it does.
                using var counting = deadline.Token.UnsafeRegister(
                    _ => (cut, requestsCut) = (cut + OpenConnections(outbound), Math.Max(requestsCut, requestsInFlight())), null);
                await Task.WhenAll(draining);
            }

            foreach (var key in new List<string>(_running.Keys))
            {
                Forget(key)?.Dispose();
            }

            var result = new DrainResult(cut, requestsCut, time.GetElapsedTime(started));
            ListenerLog.DrainEnded(_logger, result.Elapsed.TotalSeconds, result.Cut, result.RequestsCut);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopRemovedLockedAsync(ProxySnapshot applied)
    {
        var removed = new List<string>();
        foreach (var key in _running.Keys)
        {
            if (!applied.ListenersByEndPoint.ContainsKey(key))
            {
                removed.Add(key);
            }
        }

        foreach (var key in removed)
        {
            await StopAsync(key, RemovedListenerDrain);
            ListenerLog.Stopped(_logger, key);
        }
    }

    private string Describe(ListenerModel listener)
    {
        if (listener.UseOriginalDst)
        {
            return $"original destination hand-off; otherwise {listener.Protocol.ToString().ToUpperInvariant()}, and HTTP proxy for direct clients";
        }

        if (listener.Config.SniRoutes.Count > 0)
        {
            return $"TLS passthrough by SNI for {listener.Config.SniRoutes.Count} route(s)" + (listener.Config.TlsServers.Count > 0 ? $", TLS for {listener.Config.TlsServers.Count} server(s)" : "");
        }

        if (listener.Config.TlsServers.Count > 0)
        {
            return $"TLS for {listener.Config.TlsServers.Count} server(s)";
        }

        if (!InboundTls.UsesTls(listener.Config.TlsMode, identity))
        {
            return "plaintext";
        }

        return listener.Config.TlsMode == InboundTlsMode.Strict ? "mTLS only" : "mTLS and plaintext";
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            _drained = true;
            foreach (var key in new List<string>(_running.Keys))
            {
                await StopAsync(key, RemovedListenerDrain);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task StopAsync(string key, TimeSpan drain)
    {
        if (Forget(key) is not { } server)
        {
            return;
        }

        using var deadline = new CancellationTokenSource(drain, time);
        await server.StopAsync(deadline.Token);
        server.Dispose();
    }

    private KestrelServer? Forget(string key)
    {
        if (!_running.Remove(key, out var server))
        {
            return null;
        }

        _configs.Remove(key);
        _connections.Remove(key);
        _accepts.Remove(key);
        health.Remove(key);
        return server;
    }

    private int OpenConnections(bool outbound)
    {
        var open = 0;
        foreach (var (key, limit) in _connections)
        {
            if (_configs.TryGetValue(key, out var config) && config.Direction == TrafficDirection.Outbound == outbound)
            {
                open += limit.Open;
            }
        }

        return open;
    }

    private KestrelServer CreateServer(ListenerModel listener, List<GatewayCredential> credentials, bool warm)
    {
        var options = new KestrelServerOptions
        {
            ApplicationServices = services,
            AddServerHeader = false,
            // An absolute-form target (the app using us as its HTTP proxy) names the authority to route by.
            AllowHostHeaderOverride = true,
            // h2c requests say :scheme http on a connection presented to Kestrel as negotiated h2.
            AllowAlternateSchemes = true,
        };
        // Kestrel's own timers bound the HTTP stage; the stages before it are ours (ListenerFilterDeadline, TLS handshake).
        options.Limits.KeepAliveTimeout = _limits.IdleTimeout;
        options.Limits.RequestHeadersTimeout = _limits.RequestHeadersTimeout;
        var deadline = new ListenerFilterDeadline(_limits.ListenerFiltersTimeout, time, metrics.PreConnectionTimeouts(listener.Name));
        options.Listen(listener.EndPoint, listenOptions =>
        {
            listenOptions.Protocols = HttpProtocols.Http1AndHttp2;
            // Outermost: a connection past the cap is closed before anything reads from it.
            var connections = new ListenerConnectionLimit(
                listener.Name, _limits.MaxConnections, metrics.Active(listener.Name), metrics.Refused(listener.Name), _logger);
            _connections[listener.EndPointKey] = connections;
            listenOptions.Use(connections.Middleware);

            var passthrough = listener.Config.SniRoutes.Count > 0;
            if (passthrough)
            {
                // First after the cap: it sees the ClientHello before any TLS termination does.
                listenOptions.Use(_passthrough.Middleware(listener, terminates: credentials.Count > 0, deadline));
            }

            if (credentials.Count > 0)
            {
                _gatewayTls.Configure(listenOptions, listener, credentials, _limits.TlsHandshakeTimeout);
            }
            else if (!passthrough && (listener.UseOriginalDst || listener.Protocol != Contracts.Discovery.ListenerProtocol.Http))
            {
                _handoff ??= new HandoffPipeline(store, originalDestinations, tcpProxy, _inboundTls, identity, _limits.ProtocolDetectionTimeout,
                    loggerFactory.CreateLogger<HandoffPipeline>());
                _handoff.Configure(listenOptions, listener, deadline, _limits.TlsHandshakeTimeout);
            }
            else if (InboundTls.UsesTls(listener.Config.TlsMode, identity))
            {
                _inboundTls.Configure(listenOptions, listener, deadline, _limits.TlsHandshakeTimeout);
            }
            else if (!passthrough)
            {
                listenOptions.Use(PriorKnowledgeHttp2Detection.Middleware(deadline));
            }
        });

        var accepts = health.Add(listener.Name, listener.EndPointKey);
        if (!warm)
        {
            accepts.StartWarming();
        }

        _accepts[listener.EndPointKey] = accepts;
        var transport = new ResilientSocketTransportFactory(_ => accepts, reserve, needsReserve: true, time, loggerFactory);
        return new KestrelServer(Options.Create(options), transport, loggerFactory);
    }
}

/// <summary>What the shutdown drain left to cut when its period ended (nothing, when every request finished in time).</summary>
internal readonly record struct DrainResult(int Cut, int RequestsCut, TimeSpan Elapsed);
