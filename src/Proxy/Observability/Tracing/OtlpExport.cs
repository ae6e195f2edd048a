// Where and how this proxy exports its spans.
using OpenTelemetry.Exporter;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// An OTLP collector (Jaeger, the OpenTelemetry Collector) as the flags and <c>OTEL_*</c> variables resolve it: the
/// URL spans are sent to (for http/protobuf it includes <c>/v1/traces</c>), the transport, and the resource's
/// <c>service.name</c>.
/// </summary>
internal sealed record OtlpExport(Uri Endpoint, OtlpExportProtocol Protocol, string ServiceName);
