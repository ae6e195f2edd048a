// Sends one batch of spans to an OTLP collector over gRPC or HTTP/protobuf.
using System.Net.Http.Headers;
using Google.Protobuf;
using Mesh.Grpc;
using OpenTelemetry.Proto.Collector.Trace.V1;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The two OTLP transports: gRPC <c>TraceService/Export</c> (with Mesh.Grpc; grpc-dotnet is not served here) and
/// HTTP/protobuf <c>POST /v1/traces</c>. Each call has a deadline, so a collector that hangs only delays the exporter.
/// </summary>
internal sealed class OtlpSender : IDisposable
{
    public static readonly GrpcMethod<ExportTraceServiceRequest, ExportTraceServiceResponse> ExportMethod = new(
        "/opentelemetry.proto.collector.trace.v1.TraceService/Export", ExportTraceServiceRequest.Parser, ExportTraceServiceResponse.Parser);

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
            _channel = new GrpcChannel(endpoint.Address);
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
            await _channel.UnaryAsync(ExportMethod, request, new GrpcCallOptions(CallTimeout, cancellationToken));
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
