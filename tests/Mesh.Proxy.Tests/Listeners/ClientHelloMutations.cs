using System.Buffers.Binary;
using CsCheck;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>
/// Generators of TLS records for fuzzing the ClientHello parser: random bytes, and real ClientHellos mutated where a
/// parser is most likely to go wrong: truncated, a length field set at or past its bound, bytes flipped, inserted,
/// deleted, or two hellos spliced.
/// </summary>
internal static class ClientHelloMutations
{
    /// <summary>Random bytes, half of them behind a handshake record header so that they get past the first check.</summary>
    public static Gen<byte[]> RandomRecords { get; } = Gen.Frequency<byte[]>(
        (1, Gen.Byte.Array[0, 600]),
        (1, Gen.Select(Gen.Byte.Array[0, 600], Gen.UShort, (body, length) => (byte[])[0x16, 0x03, 0x01, (byte)(length >> 8), (byte)length, .. body])));

    /// <summary>One of <paramref name="seeds"/>, mutated once or a few times over.</summary>
    public static Gen<byte[]> Mutated(IReadOnlyList<byte[]> seeds)
    {
        var seed = Gen.Int[0, seeds.Count - 1].Select(i => seeds[i]);
        var once = Gen.Frequency<byte[]>(
            (3, seed.SelectMany(LengthAtBound)),
            (2, seed.SelectMany(Truncated)),
            (2, seed.SelectMany(Flipped)),
            (1, seed.SelectMany(Inserted)),
            (1, seed.SelectMany(Deleted)),
            (1, Gen.Select(seed, seed, Gen.Double.Unit, Spliced)));
        return Gen.Frequency<byte[]>((3, once), (1, once.SelectMany(first => Gen.Frequency<byte[]>((1, LengthAtBound(first)), (1, Flipped(first))))));
    }

    /// <summary>Where a ClientHello keeps its length fields: (offset, size in bytes), outermost first, as far as it is well formed.</summary>
    public static List<(int Offset, int Size)> LengthFields(byte[] hello)
    {
        var fields = new List<(int, int)>();
        if (hello.Length < 9)
        {
            return fields;
        }

        fields.Add((3, 2));
        fields.Add((6, 3));
        var at = 9 + 2 + 32;
        foreach (var size in (int[])[1, 2, 1])
        {
            if (at + size > hello.Length)
            {
                return fields;
            }

            fields.Add((at, size));
            at += size + (size == 1 ? hello[at] : BinaryPrimitives.ReadUInt16BigEndian(hello.AsSpan(at)));
        }

        if (at + 2 > hello.Length)
        {
            return fields;
        }

        fields.Add((at, 2));
        at += 2;
        while (at + 4 <= hello.Length)
        {
            var type = BinaryPrimitives.ReadUInt16BigEndian(hello.AsSpan(at));
            var length = BinaryPrimitives.ReadUInt16BigEndian(hello.AsSpan(at + 2));
            fields.Add((at + 2, 2));
            if (type == 0 && at + 4 + 5 <= hello.Length)
            {
                // server_name: the list's length, then the first name's (after its one-byte type).
                fields.Add((at + 4, 2));
                fields.Add((at + 7, 2));
            }

            at += 4 + length;
        }

        return fields;
    }

    private static Gen<byte[]> LengthAtBound(byte[] hello)
    {
        var fields = LengthFields(hello);
        if (fields.Count == 0)
        {
            return Gen.Const(hello);
        }

        return Gen.Select(Gen.Int[0, fields.Count - 1], Gen.Int[0, 6], (index, bound) =>
        {
            var (offset, size) = fields[index];
            var span = hello.AsSpan(offset, size);
            var actual = size switch { 1 => span[0], 2 => BinaryPrimitives.ReadUInt16BigEndian(span), _ => (span[0] << 16) | (span[1] << 8) | span[2] };
            var max = (1 << (8 * size)) - 1;
            var rest = hello.Length - offset - size;
            var value = bound switch { 0 => 0, 1 => 1, 2 => actual - 1, 3 => actual + 1, 4 => rest, 5 => rest + 1, _ => max };
            var mutated = (byte[])hello.Clone();
            Write(mutated.AsSpan(offset, size), Math.Clamp(value, 0, max));
            return mutated;
        });
    }

    private static Gen<byte[]> Truncated(byte[] hello) => Gen.Int[0, hello.Length].Select(length => hello[..length]);

    private static Gen<byte[]> Flipped(byte[] hello) => hello.Length == 0
        ? Gen.Const(hello)
        : Gen.Select(Gen.Int[0, hello.Length - 1], Gen.Byte, (index, value) =>
        {
            var mutated = (byte[])hello.Clone();
            mutated[index] = value;
            return mutated;
        });

    private static Gen<byte[]> Inserted(byte[] hello) =>
        Gen.Select(Gen.Int[0, hello.Length], Gen.Byte.Array[1, 8], (at, bytes) => (byte[])[.. hello.AsSpan(0, at), .. bytes, .. hello.AsSpan(at)]);

    private static Gen<byte[]> Deleted(byte[] hello) =>
        Gen.Select(Gen.Int[0, hello.Length], Gen.Int[1, 16], (at, count) => (byte[])[.. hello.AsSpan(0, at), .. hello.AsSpan(Math.Min(hello.Length, at + count))]);

    private static byte[] Spliced(byte[] first, byte[] second, double share)
    {
        var cut = (int)(share * Math.Min(first.Length, second.Length));
        return [.. first.AsSpan(0, cut), .. second.AsSpan(cut)];
    }

    private static void Write(Span<byte> field, int value)
    {
        for (var i = field.Length - 1; i >= 0; i--, value >>= 8)
        {
            field[i] = (byte)value;
        }
    }
}
