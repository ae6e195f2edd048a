using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The header names of B3 (multi and single), W3C trace context and Envoy's request id, and the getter and setter that
/// let OpenTelemetry's propagators read and write a request's headers.
/// </summary>
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

    /// <summary>
    /// Headers that a request may carry and that injecting the attempt's context does not overwrite: left in place they
    /// would describe the previous hop (<c>b3</c> would even win over the new <c>x-b3-*</c> downstream).
    /// </summary>
    public static readonly string[] StaleOnInject = [B3Single, B3ParentSpanId, TraceState];

    /// <summary>A header's values for a propagator, null when absent (boxing the values only when present).</summary>
    public static readonly Func<IHeaderDictionary, string, IEnumerable<string>?> Getter =
        static (headers, name) => headers.TryGetValue(name, out var values) ? (IEnumerable<string>)values : null;

    public static readonly Action<IHeaderDictionary, string, string> Setter = static (headers, name, value) => headers[name] = value;
}
