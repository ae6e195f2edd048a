using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>A 128-bit trace id (a 64-bit B3 id has <see cref="High"/> zero); all zeros is invalid.</summary>
internal readonly record struct TraceId(ulong High, ulong Low)
{
    public bool IsValid => High != 0 || Low != 0;

    /// <summary>Parses 32 hex digits, or 16 when <paramref name="allow64Bit"/> (B3); all zeros is rejected.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, bool allow64Bit, bool lowercaseOnly, out TraceId id)
    {
        id = default;
        if (text.Length == 16 && allow64Bit)
        {
            if (!Hex.TryParseUInt64(text, lowercaseOnly, out var low))
            {
                return false;
            }

            id = new TraceId(0, low);
            return id.IsValid;
        }

        if (text.Length != 32 || !Hex.TryParseUInt64(text[..16], lowercaseOnly, out var high) || !Hex.TryParseUInt64(text[16..], lowercaseOnly, out var rest))
        {
            return false;
        }

        id = new TraceId(high, rest);
        return id.IsValid;
    }

    /// <summary>The 32-digit lowercase hex form.</summary>
    public string ToHex() => string.Create(32, this, static (span, id) =>
    {
        Hex.Write(id.High, span[..16]);
        Hex.Write(id.Low, span[16..]);
    });

    public override string ToString() => ToHex();
}
