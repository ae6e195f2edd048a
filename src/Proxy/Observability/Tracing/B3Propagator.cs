using System.Buffers;
using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// B3 propagation (Zipkin's headers, Istio's default) as an OpenTelemetry <see cref="TextMapPropagator"/>. It reads the
/// single <c>b3</c> header, else the <c>x-b3-*</c> headers, leniently as Envoy does (16 or 32 hex digits in either
/// case; a malformed header counts as absent), and writes <c>x-b3-traceid</c> (64-bit ids stay 64-bit),
/// <c>x-b3-spanid</c> and <c>x-b3-sampled</c>. Composed after the SDK's <see cref="TraceContextPropagator"/>, it
/// takes precedence over a <c>traceparent</c> extracted before it (Envoy's order: b3, x-b3-*, traceparent) and keeps
/// that context's <c>tracestate</c> when both name the same trace, which is the case after every hop of ours.
/// </summary>
internal sealed class B3Propagator : TextMapPropagator
{
    private static readonly HashSet<string> AllFields =
    [
        TraceHeaders.B3Single, TraceHeaders.B3TraceId, TraceHeaders.B3SpanId, TraceHeaders.B3ParentSpanId, TraceHeaders.B3Sampled, TraceHeaders.B3Flags,
    ];

    /// <remarks>Callers must not modify the returned set.</remarks>
    public override ISet<string> Fields => AllFields;

    public override PropagationContext Extract<T>(PropagationContext context, T carrier, Func<T, string, IEnumerable<string>?> getter)
    {
        Span<byte> traceId = stackalloc byte[16];
        Span<byte> spanId = stackalloc byte[8];
        var sampling = Parse(carrier, getter, traceId, spanId, out var hasIds);
        if (!hasIds)
        {
            return context;
        }

        // After a hop of ours, traceparent and x-b3-* name the same span: the ids the W3C propagator made are reused.
        var earlier = context.ActivityContext;
        var sameTrace = earlier.IsValid() && Matches(earlier.TraceId, traceId);
        var trace = sameTrace ? earlier.TraceId : ActivityTraceId.CreateFromBytes(traceId);
        var span = sameTrace && Matches(earlier.SpanId, spanId) ? earlier.SpanId : ActivitySpanId.CreateFromBytes(spanId);
        var flags = sampling is B3SamplingState.Accept or B3SamplingState.Debug ? ActivityTraceFlags.Recorded : ActivityTraceFlags.None;
        return new PropagationContext(new ActivityContext(trace, span, flags, sameTrace ? earlier.TraceState : null, isRemote: true), context.Baggage);
    }

    public override void Inject<T>(PropagationContext context, T carrier, Action<T, string, string> setter)
    {
        var span = context.ActivityContext;
        if (!span.IsValid())
        {
            return;
        }

        setter(carrier, TraceHeaders.B3TraceId, TraceIdHex(span.TraceId));
        setter(carrier, TraceHeaders.B3SpanId, span.SpanId.ToHexString());
        setter(carrier, TraceHeaders.B3Sampled, (span.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "1" : "0");
    }

    /// <summary>
    /// The sampling decision of the B3 headers, which <see cref="Extract"/> cannot return (Envoy, too, reads it apart):
    /// the single header with ids, else the multi headers with ids, else a decision sent alone (single first).
    /// </summary>
    public static B3Sampling ReadSampling<T>(T carrier, Func<T, string, IEnumerable<string>?> getter)
    {
        Span<byte> traceId = stackalloc byte[16];
        Span<byte> spanId = stackalloc byte[8];
        var sampling = Parse(carrier, getter, traceId, spanId, out var hasIds);
        return new B3Sampling(sampling, hasIds);
    }

    private static B3SamplingState Parse<T>(T carrier, Func<T, string, IEnumerable<string>?> getter, Span<byte> traceId, Span<byte> spanId, out bool hasIds)
    {
        var single = ParseSingle(First(getter(carrier, TraceHeaders.B3Single)), traceId, spanId, out hasIds);
        if (hasIds)
        {
            return single;
        }

        var multi = ParseMulti(carrier, getter, traceId, spanId, out hasIds);
        return hasIds || single == B3SamplingState.Defer ? multi : single;
    }

    /// <summary><c>{traceid}-{spanid}[-{sampling}[-{parentspanid}]]</c>, or the sampling state alone (0, 1 or d).</summary>
    private static B3SamplingState ParseSingle(string? value, Span<byte> traceId, Span<byte> spanId, out bool hasIds)
    {
        hasIds = false;
        if (string.IsNullOrEmpty(value))
        {
            return B3SamplingState.Defer;
        }

        var text = value.AsSpan().Trim();
        if (text.Length == 1)
        {
            return TryParseSingleSampling(text, out var alone) ? alone : B3SamplingState.Defer;
        }

        Span<Range> parts = stackalloc Range[5];
        var count = text.Split(parts, '-');
        Span<byte> parent = stackalloc byte[8];
        var sampling = B3SamplingState.Defer;
        if (count is < 2 or > 4 || !TryParseTraceId(text[parts[0]], traceId) || !TryParseSpanId(text[parts[1]], spanId)
            || (count >= 3 && !TryParseSingleSampling(text[parts[2]], out sampling)) || (count == 4 && !TryParseSpanId(text[parts[3]], parent)))
        {
            return B3SamplingState.Defer;
        }

        hasIds = true;
        return sampling;
    }

    private static bool TryParseSingleSampling(ReadOnlySpan<char> text, out B3SamplingState sampling)
    {
        sampling = text switch
        {
            "1" => B3SamplingState.Accept,
            "0" => B3SamplingState.Deny,
            "d" => B3SamplingState.Debug,
            _ => B3SamplingState.Defer,
        };
        return sampling != B3SamplingState.Defer;
    }

    /// <summary>
    /// <c>x-b3-traceid</c>, <c>x-b3-spanid</c>, <c>x-b3-sampled</c> (1/0, legacy true/false) and <c>x-b3-flags: 1</c>
    /// (debug, which implies accept). A malformed parent span id is ignored: our span's parent is the caller's span.
    /// </summary>
    private static B3SamplingState ParseMulti<T>(T carrier, Func<T, string, IEnumerable<string>?> getter, Span<byte> traceId, Span<byte> spanId, out bool hasIds)
    {
        hasIds = TryParseTraceId(First(getter(carrier, TraceHeaders.B3TraceId)), traceId) && TryParseSpanId(First(getter(carrier, TraceHeaders.B3SpanId)), spanId);
        return First(getter(carrier, TraceHeaders.B3Flags)) == "1"
            ? B3SamplingState.Debug
            : First(getter(carrier, TraceHeaders.B3Sampled)) switch
            {
                "1" or "true" => B3SamplingState.Accept,
                "0" or "false" => B3SamplingState.Deny,
                _ => B3SamplingState.Defer,
            };
    }

    /// <summary>32 hex digits, or 16 (a 64-bit B3 id, kept in the low half); either case; all zeros is invalid.</summary>
    private static bool TryParseTraceId(ReadOnlySpan<char> text, Span<byte> id)
    {
        id.Clear();
        return (text.Length == 32 ? TryParseHex(text, id) : text.Length == 16 && TryParseHex(text, id[8..])) && id.ContainsAnyExcept((byte)0);
    }

    private static bool TryParseSpanId(ReadOnlySpan<char> text, Span<byte> id) => text.Length == 16 && TryParseHex(text, id) && id.ContainsAnyExcept((byte)0);

    private static bool Matches(ActivityTraceId id, ReadOnlySpan<byte> bytes)
    {
        Span<byte> own = stackalloc byte[16];
        id.CopyTo(own);
        return own.SequenceEqual(bytes);
    }

    private static bool Matches(ActivitySpanId id, ReadOnlySpan<byte> bytes)
    {
        Span<byte> own = stackalloc byte[8];
        id.CopyTo(own);
        return own.SequenceEqual(bytes);
    }

    private static bool TryParseHex(ReadOnlySpan<char> text, Span<byte> bytes) =>
        Convert.FromHexString(text, bytes, out _, out var written) == OperationStatus.Done && written == bytes.Length;

    // A 64-bit B3 trace id (high half zero) is passed on as 16 digits, so 64-bit-only tracers downstream keep working.
    private static string TraceIdHex(ActivityTraceId traceId)
    {
        Span<byte> bytes = stackalloc byte[16];
        traceId.CopyTo(bytes);
        return bytes[..8].ContainsAnyExcept((byte)0) ? traceId.ToHexString() : Convert.ToHexStringLower(bytes[8..]);
    }

    // B3 headers are untrusted input: only the first value counts, as in Envoy.
    private static string? First(IEnumerable<string>? values)
    {
        if (values is IList<string> list)
        {
            return list.Count > 0 ? list[0] : null;
        }

        if (values is not null)
        {
            foreach (var value in values)
            {
                return value;
            }
        }

        return null;
    }
}
