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
/// Registers the proxy's <see cref="RequestTracer"/> and its <see cref="SpanExports"/>, and, when the proxy has a
/// collector of its own, a TracerProvider for it (OpenTelemetry.Extensions.Hosting, built and flushed with the proxy's
/// host): the proxy's source, every span it is given recorded (the decision is <see cref="TraceSampler"/>'s, made
/// before the span exists), Istio's resource, and the SDK's OTLP exporter behind the SDK's batch processor. The
/// collectors Telemetry providers name get a TracerProvider of their own (<see cref="ProviderCollectors"/>), built on
/// the first span for one: a proxy that exports nowhere registers no ActivityListener at all, as before providers.
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
        var serviceName = options.Otlp?.ServiceName ?? OtlpCommandLine.ServiceName(options, Environment.GetEnvironmentVariable);
        services.AddSingleton(provider => new ProviderCollectors(
            (destination, source) => CreateProcessor(provider, destination.Endpoint, destination.OverHttp ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc, source, destination.Http),
            resource => Describe(resource, serviceName, options)));
        services.AddSingleton(provider => new SpanExports(
            options.Otlp is null ? null : provider.GetRequiredService<ProxyActivitySource>().Source,
            provider.GetRequiredService<ProviderCollectors>().Attach,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger<SpanExports>()));

        if (options.Otlp is not { } otlp)
        {
            return;
        }

        services.AddOpenTelemetry().WithTracing(tracing => tracing
            .AddSource(ProxyActivitySource.Name)
            .SetSampler(new AlwaysOnSampler())
            .ConfigureResource(resource => Describe(resource, serviceName, options))
            .AddProcessor(provider => CreateProcessor(provider, otlp.Endpoint, otlp.Protocol, provider.GetRequiredService<ProxyActivitySource>().Source)));
    }

    /// <summary>
    /// An HTTP provider's timeout and headers. The headers go on the exporter's own HttpClient rather than through the
    /// options' <c>Headers</c> string, whose comma-separated form cannot carry a value with a comma in it.
    /// </summary>
    private static void ApplyHttp(OtlpExporterOptions options, OtlpHttpOptions http)
    {
        if (http.Timeout is { } timeout) options.TimeoutMilliseconds = (int)Math.Min(timeout.TotalMilliseconds, int.MaxValue);
        var clientTimeout = TimeSpan.FromMilliseconds(options.TimeoutMilliseconds);
        options.HttpClientFactory = () =>
        {
            var client = new HttpClient { Timeout = clientTimeout };
            foreach (var (name, value) in http.Headers) client.DefaultRequestHeaders.TryAddWithoutValidation(name, value);
            return client;
        };
    }

    /// <summary>Istio's resource: <c>service.name</c>, and the node id as <c>service.instance.id</c>.</summary>
    private static void Describe(ResourceBuilder resource, string serviceName, ProxyOptions options) =>
        resource.AddService(serviceName, autoGenerateServiceInstanceId: false, serviceInstanceId: options.ToNode().Id);

    private static ProxySpanProcessor CreateProcessor(IServiceProvider provider, Uri endpoint, OtlpExportProtocol protocol, ActivitySource source, OtlpHttpOptions? http = null)
    {
        var counters = provider.GetRequiredService<SpanExportCounters>();
        var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ProxySpanProcessor));

        // Both options objects start from the OTEL_EXPORTER_OTLP_* and OTEL_BSP_* variables; what the flags or the Telemetry resolved wins.
        var options = new OtlpExporterOptions { Endpoint = endpoint, Protocol = protocol };
        if (http is not null) ApplyHttp(options, http);
        var exporter = new ProxySpanExporter(options, counters.ExportFailed, logger);
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
/// The TracerProvider of the collectors Telemetry providers name, built on the first one (under
/// <see cref="SpanExports"/>' lock) with the proxy's sources, sampler and resource; each collector's processor joins
/// it, and disposing it flushes them all when the proxy stops.
/// </summary>
internal sealed class ProviderCollectors(Func<TraceDestination, ActivitySource, ProxySpanProcessor> createProcessor, Action<ResourceBuilder> describe) : IDisposable
{
    private TracerProvider? _provider;

    public void Attach(TraceDestination destination, ActivitySource source)
    {
        _provider ??= Sdk.CreateTracerProviderBuilder()
            .AddSource(ProxyActivitySource.Name)
            .SetSampler(new AlwaysOnSampler())
            .ConfigureResource(describe)
            .Build();
        _provider.AddProcessor(createProcessor(destination, source));
    }

    public void Dispose() => _provider?.Dispose();
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
