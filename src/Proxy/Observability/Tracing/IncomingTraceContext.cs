using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// What a request's headers said about its trace: the caller's trace and span ids (invalid when absent), the caller's
/// sampling decision (null when it made none), whether debug was asked for, and W3C tracestate to pass on.
/// </summary>
internal readonly record struct IncomingTraceContext(
    TraceId TraceId,
    SpanId SpanId,
    bool? Sampled,
    bool Debug,
    string? TraceState,
    TraceFormat Format,
    bool Is64BitTraceId)
{
    public bool HasIds => TraceId.IsValid && SpanId.IsValid;
}
