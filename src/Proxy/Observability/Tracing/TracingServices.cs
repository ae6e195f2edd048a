// Wires the proxy's tracing into its service container.
using System.Diagnostics;
using Mesh.Proxy.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// Registers the proxy's <see cref="RequestTracer"/>, its <see cref="SpanExports"/> and a TracerProvider of its own
/// (OpenTelemetry.Extensions.Hosting, built and flushed with the proxy's host): the proxy's sources, every span it is
/// given recorded (the decision is <see cref="TraceSampler"/>'s, made before the span exists), Istio's resource, and
/// per collector the SDK's OTLP exporter behind the SDK's batch processor: the proxy's own collector's from the start,
/// each Telemetry provider's when its first span comes. The provider exists even when the proxy has no collector of
/// its own, since a Telemetry can name one later; it costs nothing until a span starts.
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
        services.AddSingleton<SpanExportCounters>();
        services.AddSingleton(provider => new SpanExports(
            options.Otlp is null ? null : provider.GetRequiredService<ProxyActivitySource>().Source,
            (destination, source) => Attach(provider, destination, source),
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<SpanExports>()));

        var serviceName = options.Otlp?.ServiceName ?? OtlpCommandLine.ServiceName(options, Environment.GetEnvironmentVariable);
        services.AddOpenTelemetry().WithTracing(tracing =>
        {
            tracing
                .AddSource(ProxyActivitySource.Name)
                .SetSampler(new AlwaysOnSampler())
                .ConfigureResource(resource => resource.AddService(serviceName, autoGenerateServiceInstanceId: false, serviceInstanceId: options.ToNode().Id));
            if (options.Otlp is { } otlp)
            {
                tracing.AddProcessor(provider => CreateProcessor(provider, otlp.Endpoint, otlp.Protocol, provider.GetRequiredService<ProxyActivitySource>().Source));
            }
        });
    }

    /// <summary>A Telemetry provider's collector: its processor joins the running TracerProvider, which gives its exporter the resource.</summary>
    private static void Attach(IServiceProvider provider, TraceDestination destination, ActivitySource source)
    {
        var tracerProvider = provider.GetRequiredService<TracerProvider>();
        var protocol = destination.OverHttp ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc;
        tracerProvider.AddProcessor(CreateProcessor(provider, destination.Endpoint, protocol, source));
    }

    private static ProxySpanProcessor CreateProcessor(IServiceProvider provider, Uri endpoint, OtlpExportProtocol protocol, ActivitySource source)
    {
        var counters = provider.GetRequiredService<SpanExportCounters>();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProxySpanProcessor));

        // Both options objects start from the OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables; what the flags or the Telemetry resolved wins.
        var exporter = new ProxySpanExporter(new OtlpExporterOptions { Endpoint = endpoint, Protocol = protocol }, counters.ExportFailed, logger);
        var batch = new BatchExportActivityProcessorOptions();
        if (Environment.GetEnvironmentVariable("OTEL_BSP_MAX_QUEUE_SIZE") is null)
        {
            batch.MaxQueueSize = DefaultMaxQueueSize;
        }

        if (Environment.GetEnvironmentVariable("OTEL_BSP_SCHEDULE_DELAY") is null)
        {
            batch.ScheduledDelayMilliseconds = DefaultScheduledDelayMilliseconds;
        }

        return new ProxySpanProcessor(exporter, source, batch, counters.SpanDropped, logger);
    }
}

/// <summary>
/// The export pipeline's counters, one series each on the proxy's own registry beside Istio's metrics (unlabelled, so
/// no series cap), shared by every collector the proxy exports to.
/// </summary>
internal sealed class SpanExportCounters(Prometheus.CollectorRegistry registry)
{
    private readonly Prometheus.Counter _dropped = Prometheus.Metrics.WithCustomRegistry(registry).CreateCounter(
        "mesh_tracing_spans_dropped_total", "Finished spans dropped because the export queue was full (the OTLP collector is slow or down).");

    private readonly Prometheus.Counter _failed = Prometheus.Metrics.WithCustomRegistry(registry).CreateCounter(
        "mesh_tracing_export_failures_total", "OTLP export calls that failed or timed out.");

    public void SpanDropped() => _dropped.Inc();

    public void ExportFailed() => _failed.Inc();
}
