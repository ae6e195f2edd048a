using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Mesh.Proxy.Observability.Tracing;
using Microsoft.Extensions.Logging.Abstractions;
using OpenTelemetry.Exporter;
using OpenTelemetry.Trace;

namespace Mesh.Proxy.Tests.Observability.Tracing;

/// <summary>The export pipeline in front of a collector that accepts connections and never answers.</summary>
public sealed class ProxySpanProcessorTests : IDisposable
{
    private const int Capacity = 10;

    private readonly ProxyActivitySource _source = new();
    private readonly ActivityListener _listener;
    private readonly TcpListener _silentCollector = new(IPAddress.Loopback, 0);

    public ProxySpanProcessorTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => ReferenceEquals(source, _source.Source),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
        };
        ActivitySource.AddActivityListener(_listener);
        _silentCollector.Start();
    }

    [Fact]
    public async Task OnEnd_CollectorNeverAnswers_DropsPastTheQueueCountingDropsAndFailedExports()
    {
        var dropped = 0;
        var failed = 0;
        var options = new OtlpExporterOptions { Endpoint = new Uri($"http://{_silentCollector.LocalEndpoint}"), Protocol = OtlpExportProtocol.Grpc, TimeoutMilliseconds = 500 };
        var exporter = new ProxySpanExporter(options, () => Interlocked.Increment(ref failed), NullLogger.Instance);
        var batch = new BatchExportActivityProcessorOptions { MaxQueueSize = Capacity, MaxExportBatchSize = Capacity, ScheduledDelayMilliseconds = 60_000 };
        using var processor = new ProxySpanProcessor(exporter, _source.Source, batch, () => Interlocked.Increment(ref dropped), NullLogger.Instance);
        for (var i = 0; i < 1_000; i++)
        {
            using var span = _source.Source.StartActivity("span")!;
            span.Stop();
            processor.OnEnd(span);
        }

        // The first full queue is sent (and hangs); the queue fills once more while it does; the rest is dropped.
        Assert.InRange(Volatile.Read(ref dropped), 1_000 - (2 * Capacity), 1_000 - Capacity);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (Volatile.Read(ref failed) == 0)
        {
            await Task.Delay(20, deadline.Token);
        }
    }

    public void Dispose()
    {
        _listener.Dispose();
        _source.Dispose();
        _silentCollector.Stop();
    }
}
