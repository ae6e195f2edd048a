using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The identity of a span this proxy creates (server span per inbound request, client span per attempt) and the
/// sampling decision that travels with its trace. <see cref="ParentSpanId"/> is invalid for a root span.
/// </summary>
internal readonly record struct SpanContext(
    TraceId TraceId,
    SpanId SpanId,
    SpanId ParentSpanId,
    bool Sampled,
    bool Debug,
    string? TraceState,
    bool Is64BitTraceId);
