// Writes access log lines to stdout off the request path.
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;

namespace Mesh.Proxy.Observability.AccessLog;

/// <summary>
/// Queues formatted access log lines and writes them to stdout from one background task. The queue is bounded and
/// drops the newest line when full, so a slow terminal or pipe never holds a request up.
/// </summary>
internal sealed class AccessLogWriter(ProxyOptions options) : BackgroundService
{
    private const int QueueCapacity = 8_192;

    private readonly Channel<string> _lines = Channel.CreateBounded<string>(
        new BoundedChannelOptions(QueueCapacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    public bool Enabled => options.AccessLog != AccessLogMode.Off;

    public void Write(AccessLogRecord record) =>
        _lines.Writer.TryWrite(AccessLogFormatter.Format(record, options.AccessLog == AccessLogMode.Json ? AccessLogEncoding.Json : AccessLogEncoding.Text));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _lines.Reader.WaitToReadAsync(stoppingToken))
            {
                while (_lines.Reader.TryRead(out var line))
                {
                    // The formatter's line ends with '\n'.
                    await Console.Out.WriteAsync(line);
                }

                await Console.Out.FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: lines still queued are dropped, like Envoy's buffered log on a hard stop.
        }
    }
}
