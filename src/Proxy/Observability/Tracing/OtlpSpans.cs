// Builds OTLP span messages from the proxy's span contexts.
using Google.Protobuf;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>Turns a finished <see cref="SpanContext"/> into an OTLP <see cref="Span"/>: ids as big-endian bytes, times in Unix nanoseconds.</summary>
internal static class OtlpSpans
{
    public static Span Create(in SpanContext context, string name, Span.Types.SpanKind kind, DateTimeOffset start, DateTimeOffset end, bool error)
    {
        var span = new Span
        {
            TraceId = TraceIdBytes(context.TraceId),
            SpanId = SpanIdBytes(context.SpanId),
            Name = name,
            Kind = kind,
            StartTimeUnixNano = UnixNanos(start),
            EndTimeUnixNano = UnixNanos(end),
            Status = new Status { Code = error ? Status.Types.StatusCode.Error : Status.Types.StatusCode.Unset },
        };
        if (context.ParentSpanId.IsValid)
        {
            span.ParentSpanId = SpanIdBytes(context.ParentSpanId);
        }

        if (!string.IsNullOrEmpty(context.TraceState))
        {
            span.TraceState = context.TraceState;
        }

        return span;
    }

    public static void Add(this Span span, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            span.Attributes.Add(Attribute(key, value));
        }
    }

    public static void Add(this Span span, string key, long value) =>
        span.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { IntValue = value } });

    public static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };

    public static ByteString TraceIdBytes(TraceId id)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, id.High);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], id.Low);
        return ByteString.CopyFrom(bytes);
    }

    public static ByteString SpanIdBytes(SpanId id)
    {
        Span<byte> bytes = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, id.Value);
        return ByteString.CopyFrom(bytes);
    }

    private static ulong UnixNanos(DateTimeOffset time) => (ulong)(time - DateTimeOffset.UnixEpoch).Ticks * 100;
}
