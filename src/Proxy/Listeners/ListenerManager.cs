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
/// Called only by the discovery applier, one response at a time.
/// </summary>
internal sealed class ListenerManager(
    IServiceProvider services,
    IHttpContextFactory contextFactory,
    ProxyRequestHandler handler,
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
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(5);

    private readonly Dictionary<string, KestrelServer> _running = new(StringComparer.Ordinal);
    // The listener config each running server was built with: a change of its TLS settings rebuilds that listener.
    private readonly Dictionary<string, Listener> _configs = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<ListenerManager>();
    private readonly InboundTls _inboundTls = new(identity, time, loggerFactory.CreateLogger<InboundTls>());
    private readonly GatewayTls _gatewayTls = new(time, loggerFactory.CreateLogger<GatewayTls>());
    private readonly TlsPassthrough _passthrough = new(store, random, time, loggerFactory.CreateLogger<TlsPassthrough>());
    private readonly ListenerLimits _limits = proxyOptions.Listeners;

    public IReadOnlyCollection<string> RunningEndPoints => _running.Keys;

    /// <summary>Binds every listener of <paramref name="candidate"/> not yet running; if one cannot bind, stops those started here and rejects the config.</summary>
    public async Task StartNewAsync(ProxySnapshot candidate, string context)
    {
        var started = new List<string>();
        foreach (var listener in candidate.ListenersByEndPoint.Values)
        {
            if (listener.Config.TlsMode == InboundTlsMode.Strict && !identity.IsEnabled)
            {
                throw new ConfigRejectedException($"{context}: listener '{listener.Name}'.tls_mode: STRICT needs a workload certificate, and this proxy has none (start it with --ca-token)");
            }

            if (_running.ContainsKey(listener.EndPointKey))
            {
                var running = _configs[listener.EndPointKey];
                // SNI routes are read from the snapshot per connection: only whether there are any shapes the listener.
                if (running.TlsMode == listener.Config.TlsMode && running.TlsServers.Equals(listener.Config.TlsServers)
                    && running.SniRoutes.Count > 0 == listener.Config.SniRoutes.Count > 0)
                {
                    continue;
                }

                await StopAsync(listener.EndPointKey);
            }

            var credentials = _gatewayTls.LoadCredentials(listener, context);
            var server = CreateServer(listener, credentials);
            try
            {
                await server.StartAsync(new ListenerApplication(contextFactory, handler, listener.EndPointKey, listener.Config.Direction == TrafficDirection.Inbound), CancellationToken.None);
            }
            catch (Exception ex)
            {
                server.Dispose();
                health.Remove(listener.EndPointKey);
                foreach (var key in started)
                {
                    await StopAsync(key);
                }

                throw new ConfigRejectedException($"{context}: listener '{listener.Name}' cannot bind {listener.EndPointKey}: {ex.GetBaseException().Message}");
            }

            _running.Add(listener.EndPointKey, server);
            _configs[listener.EndPointKey] = listener.Config;
            started.Add(listener.EndPointKey);
            ListenerLog.Started(_logger, listener.Name, listener.EndPointKey, Describe(listener));
        }
    }

    /// <summary>Stops the running listeners that <paramref name="applied"/> no longer has, letting their requests finish.</summary>
    public async Task StopRemovedAsync(ProxySnapshot applied)
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
            await StopAsync(key);
            ListenerLog.Stopped(_logger, key);
        }
    }

    private string Describe(ListenerModel listener)
    {
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
        foreach (var key in new List<string>(_running.Keys))
        {
            await StopAsync(key);
        }
    }

    private async Task StopAsync(string key)
    {
        if (!_running.Remove(key, out var server))
        {
            return;
        }

        _configs.Remove(key);
        health.Remove(key);

        using var drain = new CancellationTokenSource(DrainTimeout);
        await server.StopAsync(drain.Token);
        server.Dispose();
    }

    private KestrelServer CreateServer(ListenerModel listener, List<GatewayCredential> credentials)
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
            listenOptions.Use(new ListenerConnectionLimit(
                listener.Name, _limits.MaxConnections, metrics.Active(listener.Name), metrics.Refused(listener.Name), _logger).Middleware);

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
        var transport = new ResilientSocketTransportFactory(_ => accepts, reserve, needsReserve: true, time, loggerFactory);
        return new KestrelServer(Options.Create(options), transport, loggerFactory);
    }
}
