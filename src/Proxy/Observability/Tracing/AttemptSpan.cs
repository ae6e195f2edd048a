// The client span of one upstream attempt while it is in flight.
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>An upstream attempt's span context and, when it will be exported, its wall-clock start.</summary>
internal readonly record struct AttemptSpan(SpanContext Context, DateTimeOffset Start);
