using System.Buffers.Binary;
using System.Collections.Concurrent;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenTelemetry.Exporter;
using OpenTelemetry.Proto.Collector.Trace.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace Mesh.Proxy.Tests.Observability;

/// <summary>
/// An OTLP trace collector on 127.0.0.1 speaking one protocol, as Jaeger does: gRPC <c>TraceService/Export</c> over h2c,
/// or <c>POST /v1/traces</c> with http/protobuf. It decodes the real OTLP protobuf a proxy's exporter sends and keeps
/// every span with the <c>service.name</c> of its resource.
/// </summary>
internal sealed class OtlpCollector : IAsyncDisposable
{
    private const string GrpcPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    private readonly ConcurrentQueue<(string Service, Span Span)> _spans = new();
    private readonly ConcurrentQueue<IHeaderDictionary> _exportHeaders = new();
    private UpstreamServer _server = null!;

    /// <summary>Before answering an export, waits on this (a collector that hangs); null: answers at once.</summary>
    public Task? Hold { get; set; }

    /// <summary>The request headers of each export received, in order.</summary>
    public IReadOnlyCollection<IHeaderDictionary> ExportHeaders => _exportHeaders;

    /// <summary>The address to give <c>--otlp-endpoint</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{_server.Port}");

    public IReadOnlyCollection<(string Service, Span Span)> Spans => _spans;

    public static async Task<OtlpCollector> StartAsync(OtlpExportProtocol protocol)
    {
        var collector = new OtlpCollector();
        collector._server = protocol == OtlpExportProtocol.Grpc
            ? await UpstreamServer.StartAsync(collector.ExportGrpcAsync, HttpProtocols.Http2)
            : await UpstreamServer.StartAsync(collector.ExportHttpAsync);
        return collector;
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private async Task ExportGrpcAsync(HttpContext context)
    {
        Assert.Equal(GrpcPath, context.Request.Path.Value);
        Assert.StartsWith("application/grpc", context.Request.ContentType, StringComparison.Ordinal);
        var body = await ReadBodyAsync(context.Request);

        // One uncompressed length-prefixed message: flag byte, big-endian length, then the message.
        Assert.Equal(0, body[0]);
        Add(ExportTraceServiceRequest.Parser.ParseFrom(body, 5, (int)BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1, 4))));
        context.Response.ContentType = "application/grpc";
        await context.Response.Body.WriteAsync(new byte[5]);
        context.Response.AppendTrailer("grpc-status", "0");
    }

    private async Task ExportHttpAsync(HttpContext context)
    {
        Assert.Equal("/v1/traces", context.Request.Path.Value);
        Assert.Equal("application/x-protobuf", context.Request.ContentType);
        _exportHeaders.Enqueue(new HeaderDictionary(context.Request.Headers.ToDictionary()));
        if (Hold is { } hold) await hold.WaitAsync(context.RequestAborted);
        Add(ExportTraceServiceRequest.Parser.ParseFrom(await ReadBodyAsync(context.Request)));
        context.Response.ContentType = "application/x-protobuf";
    }

    private void Add(ExportTraceServiceRequest request)
    {
        foreach (var resource in request.ResourceSpans)
        {
            var service = resource.Resource.Attributes.Single(a => a.Key == "service.name").Value.StringValue;
            foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
            {
                _spans.Enqueue((service, span));
            }
        }
    }

    private static async Task<byte[]> ReadBodyAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        return body.ToArray();
    }
}
