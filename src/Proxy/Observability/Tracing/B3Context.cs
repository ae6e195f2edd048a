using System.Diagnostics;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// What a request's B3 headers say: the caller's trace and span ids (default when absent or malformed) and its sampling
/// state (see <see cref="B3Sampling"/>).
/// </summary>
internal readonly record struct B3Context(ActivityTraceId TraceId, ActivitySpanId SpanId, B3SamplingState Sampling)
{
    public bool HasIds => TraceId != default;
}
