using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// Makes this proxy's spans part of the caller's trace: decides sampling (an upstream decision wins, debug forces,
/// else a configured percentage, 1% by default as Istio), mints span ids, and writes both B3 and W3C headers
/// downstream so that either kind of application can continue the trace.
/// </summary>
internal sealed class TracePropagator
{
    /// <summary>Istio's default sampling percentage.</summary>
    public const double DefaultSamplingPercent = 1.0;

    private readonly double _samplingPercent;
    private readonly Random _random;

    /// <param name="samplingPercent">0 to 100: the share of new traces (no upstream decision) that are sampled.</param>
    /// <param name="random">The id and sampling source; <see cref="Random.Shared"/> when null. Tests pass a seeded one.</param>
    public TracePropagator(double samplingPercent = DefaultSamplingPercent, Random? random = null)
    {
        if (!(samplingPercent is >= 0 and <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(samplingPercent), samplingPercent, "The sampling percentage must be between 0 and 100.");
        }

        _samplingPercent = samplingPercent;
        _random = random ?? Random.Shared;
    }

    /// <summary>The server span for an inbound request: continues the caller's trace, or starts one.</summary>
    public SpanContext StartServerSpan(in IncomingTraceContext incoming)
    {
        var sampled = incoming.Debug || (incoming.Sampled ?? _random.NextDouble() * 100 < _samplingPercent);
        if (incoming.HasIds)
        {
            return new SpanContext(incoming.TraceId, NewSpanId(), incoming.SpanId, sampled, incoming.Debug, incoming.TraceState, incoming.Is64BitTraceId);
        }

        return new SpanContext(new TraceId(NewNonZero(), NewNonZero()), NewSpanId(), default, sampled, incoming.Debug, null, false);
    }

    /// <summary>A child of <paramref name="parent"/>, e.g. the client span of one upstream attempt.</summary>
    public SpanContext StartChildSpan(in SpanContext parent) => parent with { SpanId = NewSpanId(), ParentSpanId = parent.SpanId };

    /// <summary>Returns the request's <c>x-request-id</c>, creating a random UUID (version 4) when it is absent.</summary>
    public string EnsureRequestId(IHeaderDictionary headers)
    {
        var existing = headers[TraceHeaders.RequestId];
        if (existing.Count > 0 && !string.IsNullOrEmpty(existing[0]))
        {
            return existing[0]!;
        }

        Span<byte> bytes = stackalloc byte[16];
        _random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var id = new Guid(bytes).ToString("D");
        headers[TraceHeaders.RequestId] = id;
        return id;
    }

    /// <summary>Writes B3 multi and W3C headers for <paramref name="span"/>, replacing any the request carried.</summary>
    public static void Inject(in SpanContext span, IHeaderDictionary headers)
    {
        headers.Remove(TraceHeaders.B3Single);
        headers[TraceHeaders.B3TraceId] = B3TraceId(span);
        headers[TraceHeaders.B3SpanId] = span.SpanId.ToHex();
        SetOrRemove(headers, TraceHeaders.B3ParentSpanId, span.ParentSpanId.IsValid ? span.ParentSpanId.ToHex() : null);

        // B3: debug implies sampled and replaces x-b3-sampled.
        SetOrRemove(headers, TraceHeaders.B3Flags, span.Debug ? "1" : null);
        SetOrRemove(headers, TraceHeaders.B3Sampled, span.Debug ? null : span.Sampled ? "1" : "0");
        headers[TraceHeaders.TraceParent] = TraceParent(span);
        SetOrRemove(headers, TraceHeaders.TraceState, span.TraceState);
    }

    /// <summary>The same as <see cref="Inject(in SpanContext, IHeaderDictionary)"/> for an outgoing HttpRequestMessage.</summary>
    public static void Inject(in SpanContext span, HttpHeaders headers)
    {
        headers.Remove(TraceHeaders.B3Single);
        Set(headers, TraceHeaders.B3TraceId, B3TraceId(span));
        Set(headers, TraceHeaders.B3SpanId, span.SpanId.ToHex());
        Set(headers, TraceHeaders.B3ParentSpanId, span.ParentSpanId.IsValid ? span.ParentSpanId.ToHex() : null);
        Set(headers, TraceHeaders.B3Flags, span.Debug ? "1" : null);
        Set(headers, TraceHeaders.B3Sampled, span.Debug ? null : span.Sampled ? "1" : "0");
        Set(headers, TraceHeaders.TraceParent, TraceParent(span));
        Set(headers, TraceHeaders.TraceState, span.TraceState);
    }

    /// <summary>The W3C <c>traceparent</c> value (version 00) of a span.</summary>
    public static string TraceParent(in SpanContext span) => string.Create(55, span, static (chars, s) =>
    {
        "00-".CopyTo(chars);
        Hex.Write(s.TraceId.High, chars.Slice(3, 16));
        Hex.Write(s.TraceId.Low, chars.Slice(19, 16));
        chars[35] = '-';
        Hex.Write(s.SpanId.Value, chars.Slice(36, 16));
        (s.Sampled ? "-01" : "-00").CopyTo(chars[52..]);
    });

    // A 64-bit B3 trace id is passed on as the caller sent it, so 64-bit-only tracers downstream keep working.
    private static string B3TraceId(in SpanContext span) =>
        span.Is64BitTraceId && span.TraceId.High == 0 ? new SpanId(span.TraceId.Low).ToHex() : span.TraceId.ToHex();

    private static void SetOrRemove(IHeaderDictionary headers, string name, string? value)
    {
        if (value is null)
        {
            headers.Remove(name);
        }
        else
        {
            headers[name] = value;
        }
    }

    private static void Set(HttpHeaders headers, string name, string? value)
    {
        headers.Remove(name);
        if (value is not null)
        {
            headers.TryAddWithoutValidation(name, value);
        }
    }

    private SpanId NewSpanId() => new(NewNonZero());

    private ulong NewNonZero()
    {
        Span<byte> bytes = stackalloc byte[8];
        ulong value;
        do
        {
            _random.NextBytes(bytes);
            value = BitConverter.ToUInt64(bytes);
        }
        while (value == 0);

        return value;
    }
}
