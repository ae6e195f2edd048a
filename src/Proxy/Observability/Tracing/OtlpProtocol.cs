// The two OTLP transports a proxy can export over.
namespace Mesh.Proxy.Observability.Tracing;

/// <summary>OTLP over gRPC (port 4317 by convention) or HTTP/protobuf (4318, POST /v1/traces).</summary>
internal enum OtlpProtocol
{
    Grpc = 0,
    HttpProtobuf = 1,
}
