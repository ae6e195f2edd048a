using System.Net;
using Mesh.Proxy.Listeners;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mesh.Proxy.Pod;

/// <summary>
/// The status and readiness ports, on a Kestrel server of their own: started before the proxy waits for its first
/// certificate (the kubelet probes the application through it from the start), stopped only after the drain (the
/// kubelet reads "not ready: draining" meanwhile). Each port listens on --bind (the pod's IP, where the kubelet probes)
/// and on 127.0.0.1, where `Mesh.Proxy wait` and the pod's own containers ask.
/// </summary>
internal sealed class StatusServer(
    ProxyOptions options,
    StatusApplication application,
    DescriptorReserve reserve,
    IServiceProvider services,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IHostedService, IDisposable
{
    private readonly List<ListenOptions> _status = [];
    private readonly List<ListenOptions> _readiness = [];
    private KestrelServer? _server;

    /// <summary>The status port as bound (a test's port 0 binds any); null before the start or without one.</summary>
    public int? StatusPort => _status.Count > 0 ? _status[0].IPEndPoint!.Port : null;

    /// <summary>The readiness port as bound; null before the start or without one.</summary>
    public int? ReadinessPort => _readiness.Count > 0 ? _readiness[0].IPEndPoint!.Port : null;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var kestrel = new KestrelServerOptions { ApplicationServices = services, AddServerHeader = false };
        // Small requests from the kubelet, Prometheus and the pod's own containers: no bodies, few connections.
        kestrel.Limits.MaxRequestBodySize = 0;
        kestrel.Limits.MaxConcurrentConnections = 256;
        kestrel.Limits.KeepAliveTimeout = TimeSpan.FromSeconds(30);
        kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
        var bind = IPAddress.Parse(options.Bind);
        if (options.Status.StatusPort is { } statusPort)
        {
            Listen(kestrel, bind, statusPort, _status);
        }

        if (options.Status.ReadinessPort is { } readinessPort)
        {
            Listen(kestrel, bind, readinessPort, _readiness);
        }

        var transport = new ResilientSocketTransportFactory(
            endPoint => new ListenerAcceptState("status", endPoint.ToString()!), reserve, needsReserve: false, time, loggerFactory);
        _server = new KestrelServer(Options.Create(kestrel), transport, loggerFactory);
        await _server.StartAsync(application, cancellationToken);

        application.ReadinessPort = ReadinessPort ?? -1;
        var logger = loggerFactory.CreateLogger<StatusServer>();
        foreach (var warning in options.Status.Warnings)
        {
            StatusLog.Ignored(logger, warning);
        }

        StatusLog.Listening(logger, string.Join(", ", Bound()), options.Status.AppProbes.Count,
            options.Status.AppMetrics is { } app ? $"merged from 127.0.0.1:{app.Port}{app.Path}" : "none");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is not null)
        {
            await _server.StopAsync(cancellationToken);
        }
    }

    public void Dispose() => _server?.Dispose();

    private IEnumerable<string> Bound()
    {
        foreach (var listen in _status)
        {
            yield return $"{listen.IPEndPoint} (status)";
        }

        foreach (var listen in _readiness)
        {
            yield return $"{listen.IPEndPoint} (readiness)";
        }
    }

    /// <summary>Listens on <paramref name="bind"/>, and on 127.0.0.1 too unless that is already where (or within what) it listens.</summary>
    private static void Listen(KestrelServerOptions kestrel, IPAddress bind, int port, List<ListenOptions> into)
    {
        kestrel.Listen(bind, port, listen => into.Add(listen));
        // Port 0 (tests) would bind loopback to another port than the first address: there is one address only.
        if (port != 0 && !IPAddress.IsLoopback(bind) && !bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any))
        {
            kestrel.Listen(IPAddress.Loopback, port, listen => into.Add(listen));
        }
    }
}
