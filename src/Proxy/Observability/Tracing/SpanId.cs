using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>A 64-bit span id; zero is invalid and stands for "none".</summary>
internal readonly record struct SpanId(ulong Value)
{
    public bool IsValid => Value != 0;

    /// <summary>Parses exactly 16 hex digits; all zeros is rejected.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, bool lowercaseOnly, out SpanId id)
    {
        id = default;
        if (text.Length != 16 || !Hex.TryParseUInt64(text, lowercaseOnly, out var value))
        {
            return false;
        }

        id = new SpanId(value);
        return id.IsValid;
    }

    /// <summary>The 16-digit lowercase hex form.</summary>
    public string ToHex() => string.Create(16, Value, static (span, value) => Hex.Write(value, span));

    public override string ToString() => ToHex();
}
