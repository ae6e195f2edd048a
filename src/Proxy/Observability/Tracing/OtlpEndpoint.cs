// Where and how this proxy exports its spans.
namespace Mesh.Proxy.Observability.Tracing;

/// <summary>An OTLP collector (Jaeger, the OpenTelemetry Collector): its base address and the OTLP transport it speaks.</summary>
internal sealed record OtlpEndpoint(Uri Address, OtlpProtocol Protocol);
