// Sends one batch of spans to an OTLP collector over gRPC or HTTP/protobuf.
using System.Net.Http.Headers;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The two OTLP transports: gRPC <c>TraceService/Export</c> (with Grpc.Net.Client) and HTTP/protobuf
/// <c>POST /v1/traces</c>. Each call has a deadline, so a collector that hangs only delays the exporter.
/// </summary>
internal sealed class OtlpSender : IDisposable
{
    // Our OTLP .proto subset declares messages only, so the method is described here rather than generated.
    private static readonly Method<ExportTraceServiceRequest, ExportTraceServiceResponse> ExportMethod = new(
        MethodType.Unary, "opentelemetry.proto.collector.trace.v1.TraceService", "Export",
        Marshallers.Create(request => request.ToByteArray(), ExportTraceServiceRequest.Parser.ParseFrom),
        Marshallers.Create(response => response.ToByteArray(), ExportTraceServiceResponse.Parser.ParseFrom));

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);
    private static readonly MediaTypeHeaderValue Protobuf = new("application/x-protobuf");

    private readonly OtlpEndpoint _endpoint;
    private readonly GrpcChannel? _channel;
    private readonly HttpClient? _http;

    public OtlpSender(OtlpEndpoint endpoint)
    {
        _endpoint = endpoint;
        if (endpoint.Protocol == OtlpProtocol.Grpc)
        {
            _channel = GrpcChannel.ForAddress(endpoint.Address);
        }
        else
        {
            _http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = CallTimeout };
        }
    }

    public async Task SendAsync(ExportTraceServiceRequest request, CancellationToken cancellationToken)
    {
        if (_channel is not null)
        {
            await _channel.CreateCallInvoker().AsyncUnaryCall(ExportMethod, null, new CallOptions(deadline: DateTime.UtcNow + CallTimeout, cancellationToken: cancellationToken), request);
            return;
        }

        using var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = Protobuf;
        using var response = await _http!.PostAsync(new Uri(_endpoint.Address, "v1/traces"), content, cancellationToken);
        response.EnsureSuccessStatusCode();
    }

    public void Dispose()
    {
        _channel?.Dispose();
        _http?.Dispose();
    }
}
