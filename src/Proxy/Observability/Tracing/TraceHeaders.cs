namespace Mesh.Proxy.Observability.Tracing;

/// <summary>The header names of B3 (multi and single), W3C trace context and Envoy's request id.</summary>
internal static class TraceHeaders
{
    public const string B3TraceId = "x-b3-traceid";
    public const string B3SpanId = "x-b3-spanid";
    public const string B3ParentSpanId = "x-b3-parentspanid";
    public const string B3Sampled = "x-b3-sampled";
    public const string B3Flags = "x-b3-flags";
    public const string B3Single = "b3";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";
    public const string RequestId = "x-request-id";
}
