using Mesh.Contracts.Discovery;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Tests.Observability.Metrics;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Proto.Trace.V1;

namespace Mesh.Proxy.Tests.Observability;

public sealed class SpanExporterTests
{
    [Fact]
    public void Enqueue_CollectorNotDraining_DropsPastTheQueueAndCountsThem()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var options = new ProxyOptions(ProxyRole.Router, "gw", "istio-system", new Uri("http://127.0.0.1:1"), null, 0, 0, "127.0.0.1", new Dictionary<string, string>())
        {
            Otlp = new OtlpEndpoint(new Uri("http://127.0.0.1:1"), OtlpProtocol.Grpc),
        };

        // Not started: nothing drains the queue, as when the collector hangs.
        var exporter = new SpanExporter(options, registry, TimeProvider.System, NullLogger<SpanExporter>.Instance);
        var span = OtlpSpans.Create(new TracePropagator(100, new Random(1)).StartServerSpan(default), "s", Span.Types.SpanKind.Server,
            DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, error: false);

        for (var i = 0; i < 5_000; i++)
        {
            exporter.Enqueue(span);
        }

        var dropped = TextExposition.Of(registry).Split('\n').Single(line => line.StartsWith("mesh_tracing_spans_dropped_total", StringComparison.Ordinal));
        Assert.Equal("mesh_tracing_spans_dropped_total 904", dropped);
    }
}
