using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// Reads the caller's trace context from request headers. Precedence follows Envoy's Zipkin tracer: the single
/// <c>b3</c> header, then the <c>x-b3-*</c> headers, then W3C <c>traceparent</c> as the fallback. A malformed
/// header (wrong length, not hex, all-zero id) is treated as absent, so the next format is consulted.
/// </summary>
internal static class TraceContextExtractor
{
    public static IncomingTraceContext Extract(IHeaderDictionary headers)
    {
        var single = ParseB3Single(headers[TraceHeaders.B3Single]);
        var multi = ParseB3Multi(headers);
        var w3c = ParseTraceParent(headers[TraceHeaders.TraceParent]);
        var chosen = single.HasIds ? single : multi.HasIds ? multi : w3c.HasIds ? w3c : SamplingOnly(single, multi);

        // tracestate belongs to the traceparent's trace: keep it only when that is the trace we continue.
        if (w3c.HasIds && w3c.TraceId == chosen.TraceId)
        {
            var state = headers[TraceHeaders.TraceState];
            chosen = chosen with { TraceState = state.Count == 0 ? null : state.ToString() };
        }

        return chosen;
    }

    private static IncomingTraceContext SamplingOnly(IncomingTraceContext single, IncomingTraceContext multi) =>
        single.Sampled is not null || single.Debug ? single : multi.Sampled is not null || multi.Debug ? multi : default;

    /// <summary><c>{traceid}-{spanid}[-{sampling}[-{parentspanid}]]</c>, or the sampling decision alone (0, 1 or d).</summary>
    private static IncomingTraceContext ParseB3Single(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return default;
        }

        var text = value.AsSpan().Trim();
        if (text.Length == 1)
        {
            return TryParseB3SingleSampling(text, out var sampled, out var debug)
                ? new IncomingTraceContext(default, default, sampled, debug, null, TraceFormat.B3Single, false)
                : default;
        }

        Span<Range> parts = stackalloc Range[5];
        var count = text.Split(parts, '-');
        if (count is < 2 or > 4
            || !TraceId.TryParse(text[parts[0]], allow64Bit: true, lowercaseOnly: false, out var traceId)
            || !SpanId.TryParse(text[parts[1]], lowercaseOnly: false, out var spanId))
        {
            return default;
        }

        bool? decision = null;
        var isDebug = false;
        if (count >= 3)
        {
            if (!TryParseB3SingleSampling(text[parts[2]], out var sampled, out isDebug))
            {
                return default;
            }

            decision = sampled;
        }

        if (count == 4 && !SpanId.TryParse(text[parts[3]], lowercaseOnly: false, out _))
        {
            return default;
        }

        return new IncomingTraceContext(traceId, spanId, decision, isDebug, null, TraceFormat.B3Single, text[parts[0]].Length == 16);
    }

    private static bool TryParseB3SingleSampling(ReadOnlySpan<char> text, out bool sampled, out bool debug)
    {
        (sampled, debug) = (false, false);
        switch (text)
        {
            case "1": sampled = true; return true;
            case "0": return true;
            case "d": (sampled, debug) = (true, true); return true;
            default: return false;
        }
    }

    private static IncomingTraceContext ParseB3Multi(IHeaderDictionary headers)
    {
        var debug = headers[TraceHeaders.B3Flags] == "1";
        bool? sampled = debug ? true : ParseB3Sampled(headers[TraceHeaders.B3Sampled]);
        var traceIdText = headers[TraceHeaders.B3TraceId].ToString();
        var valid = TraceId.TryParse(traceIdText, allow64Bit: true, lowercaseOnly: false, out var traceId)
            & SpanId.TryParse(headers[TraceHeaders.B3SpanId].ToString(), lowercaseOnly: false, out var spanId);
        if (!valid)
        {
            return new IncomingTraceContext(default, default, sampled, debug, null, sampled is null ? TraceFormat.None : TraceFormat.B3Multi, false);
        }

        // A malformed parent span id is informational only (our span's parent is the caller's span), so it is ignored.
        return new IncomingTraceContext(traceId, spanId, sampled, debug, null, TraceFormat.B3Multi, traceIdText.Length == 16);
    }

    private static bool? ParseB3Sampled(string? value) => value switch
    {
        "1" or "true" => true,
        "0" or "false" => false,
        _ => null,
    };

    /// <summary><c>{version}-{traceid}-{parentid}-{flags}</c>: version 00 exactly 55 characters; a later version may append fields.</summary>
    private static IncomingTraceContext ParseTraceParent(string? value)
    {
        if (value is null || value.Length < 55)
        {
            return default;
        }

        var text = value.AsSpan();
        var isVersion00 = text.StartsWith("00");
        if ((isVersion00 && text.Length != 55) || (!isVersion00 && text.Length > 55 && text[55] != '-')
            || text[2] != '-' || text[35] != '-' || text[52] != '-'
            || !Hex.TryParseUInt64(text[..2], lowercaseOnly: true, out var version) || version == 0xff
            || !TraceId.TryParse(text.Slice(3, 32), allow64Bit: false, lowercaseOnly: true, out var traceId)
            || !SpanId.TryParse(text.Slice(36, 16), lowercaseOnly: true, out var spanId)
            || !Hex.TryParseUInt64(text.Slice(53, 2), lowercaseOnly: true, out var flags))
        {
            return default;
        }

        return new IncomingTraceContext(traceId, spanId, (flags & 1) == 1, false, null, TraceFormat.W3C, false);
    }
}
