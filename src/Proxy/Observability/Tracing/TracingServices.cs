// Wires the proxy's tracing into its service container.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// Registers the proxy's <see cref="RequestTracer"/> and its <see cref="ProxyActivitySource"/>, and, when the proxy
/// exports, a TracerProvider of its own (OpenTelemetry.Extensions.Hosting, built and flushed with the proxy's host):
/// the proxy's source, every span it is given recorded (the decision is <see cref="TraceSampler"/>'s, made before the
/// span exists), Istio's resource, and the SDK's OTLP exporter behind the SDK's batch processor.
/// </summary>
internal static class TracingServices
{
    // Ours, as before the SDK: a larger queue than its 2,048, and spans in Jaeger within a fraction of a second rather than 5 s.
    private const int DefaultMaxQueueSize = 4_096;
    private const int DefaultScheduledDelayMilliseconds = 200;

    public static void Add(IServiceCollection services, ProxyOptions options)
    {
        services.AddSingleton<ProxyActivitySource>();
        services.AddSingleton<RequestTracer>();
        if (options.Otlp is not { } otlp)
        {
            return;
        }

        services.AddOpenTelemetry().WithTracing(tracing => tracing
            .AddSource(ProxyActivitySource.Name)
            .SetSampler(new AlwaysOnSampler())
            .ConfigureResource(resource => resource.AddService(otlp.ServiceName, autoGenerateServiceInstanceId: false, serviceInstanceId: options.ToNode().Id))
            .AddProcessor(provider => CreateProcessor(provider, otlp)));
    }

    private static ProxySpanProcessor CreateProcessor(IServiceProvider provider, OtlpExport otlp)
    {
        // Unlabelled: one series each, so no series cap; on the proxy's own registry, beside Istio's metrics.
        var metrics = Prometheus.Metrics.WithCustomRegistry(provider.GetRequiredService<Prometheus.CollectorRegistry>());
        var dropped = metrics.CreateCounter(
            "mesh_tracing_spans_dropped_total", "Finished spans dropped because the export queue was full (the OTLP collector is slow or down).");
        var failed = metrics.CreateCounter("mesh_tracing_export_failures_total", "OTLP export calls that failed or timed out.");
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProxySpanProcessor));

        // Both options objects start from the OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables; what the flags resolved wins.
        var exporter = new ProxySpanExporter(new OtlpExporterOptions { Endpoint = otlp.Endpoint, Protocol = otlp.Protocol }, () => failed.Inc(), logger);
        var batch = new BatchExportActivityProcessorOptions();
        if (Environment.GetEnvironmentVariable("OTEL_BSP_MAX_QUEUE_SIZE") is null)
        {
            batch.MaxQueueSize = DefaultMaxQueueSize;
        }

        if (Environment.GetEnvironmentVariable("OTEL_BSP_SCHEDULE_DELAY") is null)
        {
            batch.ScheduledDelayMilliseconds = DefaultScheduledDelayMilliseconds;
        }

        return new ProxySpanProcessor(exporter, provider.GetRequiredService<ProxyActivitySource>().Source, batch, () => dropped.Inc(), logger);
    }
}
