using System.Diagnostics;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// What a request's B3 headers say: the caller's trace and span ids (default when absent or malformed) and its sampling
/// state, which a <c>PropagationContext</c> cannot carry when it is deferred, debug, or sent without ids (<c>b3: 0</c>).
/// </summary>
internal readonly record struct B3Context(ActivityTraceId TraceId, ActivitySpanId SpanId, B3SamplingState Sampling)
{
    public bool HasIds => TraceId != default;
}
