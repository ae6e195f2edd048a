using System.Collections.Concurrent;
using Mesh.EndToEnd.Tests.Otlp;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// An OTLP trace receiver on 127.0.0.1 speaking gRPC (TraceService/Export over h2c, on Grpc.AspNetCore): it decodes the
/// real OTLP protobuf the proxies send and keeps every span with the service.name of the proxy that sent it.
/// </summary>
internal sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans;

    private OtlpReceiver(WebApplication app, ConcurrentQueue<ReceivedSpan> spans)
    {
        _app = app;
        _spans = spans;
    }

    public Uri Address { get; private set; } = null!;

    public IReadOnlyCollection<ReceivedSpan> Spans => _spans;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        var spans = new ConcurrentQueue<ReceivedSpan>();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new OtlpTraceService(request => Add(spans, request)));
        var app = builder.Build();
        app.MapGrpcService<OtlpTraceService>();
        var receiver = new OtlpReceiver(app, spans);
        await app.StartAsync();
        receiver.Address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return receiver;
    }

    /// <summary>The spans whose x-request-id attribute is <paramref name="requestId"/>.</summary>
    public IReadOnlyList<ReceivedSpan> ForRequest(string requestId) => _spans.Where(s => s.Attribute("guid:x-request-id") == requestId).ToList();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static void Add(ConcurrentQueue<ReceivedSpan> spans, ExportTraceServiceRequest request)
    {
        foreach (var resourceSpans in request.ResourceSpans)
        {
            var service = resourceSpans.Resource.Attributes.FirstOrDefault(a => a.Key == "service.name")?.Value.StringValue ?? "";
            foreach (var scope in resourceSpans.ScopeSpans)
            {
                foreach (var span in scope.Spans)
                {
                    spans.Enqueue(new ReceivedSpan(service, span));
                }
            }
        }
    }
}
