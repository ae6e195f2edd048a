namespace Mesh.Proxy.Observability.Tracing;

/// <summary>Hex parsing and writing of trace and span ids, without allocating.</summary>
internal static class Hex
{
    /// <summary>Parses 1 to 16 hex digits; W3C allows only lowercase, B3 is read leniently in either case.</summary>
    public static bool TryParseUInt64(ReadOnlySpan<char> text, bool lowercaseOnly, out ulong value)
    {
        value = 0;
        if (text.IsEmpty || text.Length > 16)
        {
            return false;
        }

        foreach (var c in text)
        {
            int digit;
            if (c is >= '0' and <= '9')
            {
                digit = c - '0';
            }
            else if (c is >= 'a' and <= 'f')
            {
                digit = c - 'a' + 10;
            }
            else if (!lowercaseOnly && c is >= 'A' and <= 'F')
            {
                digit = c - 'A' + 10;
            }
            else
            {
                return false;
            }

            value = (value << 4) | (uint)digit;
        }

        return true;
    }

    public static void Write(ulong value, Span<char> destination)
    {
        for (var i = 15; i >= 0; i--)
        {
            destination[i] = "0123456789abcdef"[(int)(value & 0xF)];
            value >>= 4;
        }
    }
}
