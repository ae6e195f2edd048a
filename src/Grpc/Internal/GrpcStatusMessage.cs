// Percent-encoding of grpc-message, as the gRPC HTTP/2 spec defines it (UTF-8, then %XX for bytes outside 0x20-0x7E and '%').
using System.Text;

namespace Mesh.Grpc.Internal;

internal static class GrpcStatusMessage
{
    public static string Encode(string message)
    {
        var index = 0;
        while (index < message.Length && IsUnreserved(message[index]))
        {
            index++;
        }

        if (index == message.Length)
        {
            return message;
        }

        var bytes = Encoding.UTF8.GetBytes(message);
        var builder = new StringBuilder(bytes.Length + 16);
        foreach (var b in bytes)
        {
            if (IsUnreserved((char)b))
            {
                builder.Append((char)b);
            }
            else
            {
                builder.Append('%').Append(HexDigit(b >> 4)).Append(HexDigit(b & 0xF));
            }
        }

        return builder.ToString();
    }

    /// <summary>Lenient, as the spec asks: a '%' not followed by two hex digits is kept as it is.</summary>
    public static string Decode(string encoded)
    {
        if (encoded.IndexOf('%') < 0)
        {
            return encoded;
        }

        var bytes = new byte[Encoding.UTF8.GetMaxByteCount(encoded.Length)];
        var count = 0;
        for (var i = 0; i < encoded.Length; i++)
        {
            var c = encoded[i];
            if (c == '%' && i + 2 < encoded.Length && TryHex(encoded[i + 1], out var high) && TryHex(encoded[i + 2], out var low))
            {
                bytes[count++] = (byte)((high << 4) | low);
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[count++] = (byte)c;
            }
            else
            {
                // Not valid on the wire, but keep what a lenient peer sent rather than dropping it.
                var length = char.IsHighSurrogate(c) && i + 1 < encoded.Length ? 2 : 1;
                count += Encoding.UTF8.GetBytes(encoded.AsSpan(i, length), bytes.AsSpan(count));
                i += length - 1;
            }
        }

        return Encoding.UTF8.GetString(bytes, 0, count);
    }

    private static bool IsUnreserved(char c) => c >= ' ' && c <= '~' && c != '%';

    private static char HexDigit(int value) => (char)(value < 10 ? '0' + value : 'A' + value - 10);

    private static bool TryHex(char c, out int value)
    {
        value = c switch
        {
            >= '0' and <= '9' => c - '0',
            >= 'a' and <= 'f' => c - 'a' + 10,
            >= 'A' and <= 'F' => c - 'A' + 10,
            _ => -1,
        };
        return value >= 0;
    }
}
