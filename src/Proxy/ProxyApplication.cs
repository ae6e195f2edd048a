using System.Net;
using Mesh.Proxy.Admin;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Discovery;
using Mesh.Proxy.Forwarding;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Observability.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability.AccessLog;
using Mesh.Proxy.Overload;
using Mesh.Proxy.Pod;

namespace Mesh.Proxy;

/// <summary>Wires the proxy together: the admin server is the host; listeners, forwarding and the discovery client hang off it.</summary>
internal static class ProxyApplication
{
    /// <param name="transport">How to reach the control plane; null: over gRPC at <c>options.Discovery</c>, with this proxy's credentials.</param>
    /// <param name="originalDestinations">Where captured connections were going; null: the kernel's answer (SO_ORIGINAL_DST). Tests give their own.</param>
    public static WebApplication Build(ProxyOptions options, IDiscoveryTransport? transport, TimeProvider timeProvider, Random random,
        IWorkloadCertificateSource? certificateSource = null, IOriginalDestinations? originalDestinations = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // As Envoy's admin in a pod, loopback only: with --bind the pod's IP, its config dump and /quitquitquit-like
            // powers stay inside the pod. The metrics port below is what Prometheus scrapes from outside.
            var bind = IPAddress.Parse(options.Bind);
            kestrel.Listen(IPAddress.IsLoopback(bind) ? bind : IPAddress.Loopback, options.AdminPort);

            // Istio's Prometheus port; the admin port serves /stats/prometheus too.
            if (options.MetricsPort is { } metricsPort && metricsPort != options.AdminPort)
            {
                kestrel.Listen(bind, metricsPort);
            }
        });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(console =>
        {
            console.SingleLine = true;
            console.TimestampFormat = "HH:mm:ss.fff ";
        });
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // YARP logs every forwarded request at Information, and every failed one at Warning with its stack trace: per-request
        // records belong in access logs, and ForwardingLog writes what people need of the failures, one line, rate-limited.
        builder.Logging.AddFilter("Yarp", LogLevel.None);
        // Kestrel warns that plaintext listeners speak HTTP/1.1 only; PriorKnowledgeHttp2Detection makes them serve h2c too.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Server.Kestrel", LogLevel.Error);
        // ASP.NET Core hosting starts an Activity per request whenever this category logs at all (admin requests only:
        // listeners run their own Kestrel servers); the proxy's spans are its own.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);

        var services = builder.Services;
        // The admin server's accept loop survives running out of descriptors too, and answers /ready with the reserve's.
        services.AddSingleton<DescriptorReserve>();
        services.RemoveAll<IConnectionListenerFactory>();
        services.AddSingleton<IConnectionListenerFactory>(provider => new ResilientSocketTransportFactory(
            endPoint => new ListenerAcceptState("admin", endPoint.ToString()!), provider.GetRequiredService<DescriptorReserve>(), needsReserve: false,
            timeProvider, provider.GetRequiredService<ILoggerFactory>()));
        services.AddHttpForwarder();
        services.AddSingleton(timeProvider);
        services.AddSingleton(random);
        if (transport is not null)
        {
            services.AddSingleton(transport);
        }
        else
        {
            // Built by the container, which disposes it: it presents the certificate of the proxy's identity store.
            services.AddSingleton<IDiscoveryTransport>(provider =>
                new GrpcDiscoveryTransport(options.Discovery, options.Identity, provider.GetRequiredService<WorkloadIdentityStore>()));
        }

        services.AddSingleton(options);
        services.AddSingleton(options.ToNode());
        services.AddSingleton<AccessLogWriter>();
        services.AddHostedService(provider => provider.GetRequiredService<AccessLogWriter>());
        // One registry per proxy, never prometheus-net's static default: tests run several proxies in one process.
        services.AddSingleton(_ => Prometheus.Metrics.NewCustomRegistry());
        services.AddSingleton<CappedMetricFactory>();
        TracingServices.Add(services, options);
        services.AddSingleton<ProxyTelemetry>();
        services.AddSingleton<ProxySnapshotStore>();
        services.AddSingleton<ClusterMetrics>();
        services.AddSingleton<IOutlierEventSink, OutlierEventLog>();
        services.AddSingleton<ClusterCompiler>();
        services.AddSingleton<SnapshotCompiler>();
        services.AddSingleton<ForwardingLog>();
        services.AddSingleton<RouteTransformer>();
        services.AddSingleton<UpstreamForwarder>();
        services.AddSingleton<RequestMirror>();
        services.AddSingleton<IHeapMonitor, GcHeapMonitor>();
        services.AddSingleton(options.Overload);
        services.AddSingleton<OverloadManager>();
        services.AddHostedService(provider => provider.GetRequiredService<OverloadManager>());
        services.AddSingleton<ProxyRequestHandler>();
        services.AddSingleton<TcpTelemetry>();
        services.AddSingleton<Forwarding.Tcp.TcpProxyLog>();
        services.AddSingleton<Forwarding.Tcp.TcpProxy>();
        services.AddSingleton(originalDestinations ?? new SocketOriginalDestinations());
        services.AddSingleton<ListenerHealth>();
        services.AddSingleton<ListenerMetrics>();
        services.AddSingleton<ListenerManager>();
        services.AddSingleton<GracefulDrain>();
        services.AddHostedService(provider => provider.GetRequiredService<GracefulDrain>());
        services.Configure<HostOptions>(host => host.ShutdownTimeout = GracefulDrain.ShutdownTimeout(options));
        services.AddSingleton<ProxyReadiness>();
        // Before the identity: the kubelet probes the application through the status port while the first certificate
        // is still on its way, as through Istio's agent, which serves it from its start.
        StatusServices.Add(services, options);
        services.AddSingleton<ConfigApplier>();
        // Before the discovery client: listeners that serve mTLS need the first certificate, and the first discovery
        // stream presents it.
        IdentityServices.Add(services, options, certificateSource);
        services.AddHostedService<DiscoveryClient>();

        var app = builder.Build();
        if (options.MetricsPort is { } metricsOnly && metricsOnly != options.AdminPort)
        {
            // As Envoy's 15090: metrics only. The admin's other endpoints stay on the loopback admin port.
            app.Use((context, next) =>
            {
                if (context.Connection.LocalPort != metricsOnly || context.Request.Path == "/stats/prometheus")
                {
                    return next(context);
                }

                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return Task.CompletedTask;
            });
        }

        AdminEndpoints.Map(app, app.Services.GetRequiredService<ProxySnapshotStore>(), app.Services.GetRequiredService<ProxyReadiness>(),
            app.Services.GetRequiredService<CollectorRegistry>());
        CertsEndpoint.Map(app, app.Services.GetRequiredService<WorkloadIdentityStore>());
        return app;
    }
}
