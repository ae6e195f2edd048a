// Reads the server name (SNI) from the first TLS record of a connection, bounds-checked, without allocating but for the name.
using System.Buffers.Binary;
using System.Text;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Observability.Tracing;

namespace Mesh.Proxy.Listeners;

/// <summary>What <see cref="ClientHelloParser.TryReadServerName"/> made of the bytes it was given.</summary>
internal enum ClientHelloStatus
{
    /// <summary>A strict prefix of a plausible ClientHello record: read more bytes and call again.</summary>
    NeedMoreData,
    /// <summary>A whole ClientHello; the server name is set, or null when the client sent none.</summary>
    Complete,
    /// <summary>Not a TLS ClientHello, or one that breaks its own length fields.</summary>
    Invalid,
}

/// <summary>
/// Parses a TLS ClientHello (RFC 8446 4.1.2, the server_name extension of RFC 6066 3) from the start of a connection.
/// The ClientHello must fit its first record, as every client we know sends it (a record holds 16 KiB).
/// </summary>
internal static class ClientHelloParser
{
    public const int RecordHeaderLength = 5;
    public const int MaxRecordLength = 16384;
    /// <summary>The most bytes a caller needs to buffer before the answer is no longer <see cref="ClientHelloStatus.NeedMoreData"/>.</summary>
    public const int MaxClientHelloBytes = RecordHeaderLength + MaxRecordLength;

    private const byte HandshakeRecord = 0x16;
    private const byte ClientHelloMessage = 0x01;
    private const ushort ServerNameExtension = 0x0000;
    private const byte HostNameType = 0x00;
    private const int MaxHostNameLength = 255;

    public static ClientHelloStatus TryReadServerName(ReadOnlySpan<byte> data, out string? serverName)
    {
        serverName = null;
        if (data.Length == 0) return ClientHelloStatus.NeedMoreData;
        // The record's major version is 3 for every SSL 3.0 / TLS 1.x record layer.
        if (data[0] != HandshakeRecord || data.Length >= 2 && data[1] != 3) return ClientHelloStatus.Invalid;
        if (data.Length < RecordHeaderLength) return ClientHelloStatus.NeedMoreData;
        var recordLength = BinaryPrimitives.ReadUInt16BigEndian(data[3..]);
        if (recordLength is 0 or > MaxRecordLength) return ClientHelloStatus.Invalid;
        if (data.Length < RecordHeaderLength + recordLength) return ClientHelloStatus.NeedMoreData;

        var record = data.Slice(RecordHeaderLength, recordLength);
        if (record.Length < 4 || record[0] != ClientHelloMessage) return ClientHelloStatus.Invalid;
        var messageLength = (record[1] << 16) | (record[2] << 8) | record[3];
        if (messageLength > record.Length - 4) return ClientHelloStatus.Invalid;
        var reader = new Reader(record.Slice(4, messageLength));

        // legacy_version, random, legacy_session_id, cipher_suites, legacy_compression_methods.
        if (!reader.Skip(2 + 32) || !reader.SkipVector(1) || !reader.SkipVector(2) || !reader.SkipVector(1)) return ClientHelloStatus.Invalid;
        if (reader.Remaining == 0) return ClientHelloStatus.Complete;
        if (!reader.ReadVector(2, out var extensions) || reader.Remaining != 0) return ClientHelloStatus.Invalid;

        var list = new Reader(extensions);
        while (list.Remaining > 0)
        {
            if (!list.ReadUInt16(out var type) || !list.ReadVector(2, out var body)) return ClientHelloStatus.Invalid;
            if (type == ServerNameExtension) return ReadServerName(body, out serverName);
        }

        return ClientHelloStatus.Complete;
    }

    private static ClientHelloStatus ReadServerName(ReadOnlySpan<byte> extension, out string? serverName)
    {
        serverName = null;
        var outer = new Reader(extension);
        if (!outer.ReadVector(2, out var names) || outer.Remaining != 0) return ClientHelloStatus.Invalid;
        var reader = new Reader(names);
        while (reader.Remaining > 0)
        {
            if (!reader.ReadByte(out var nameType) || !reader.ReadVector(2, out var name)) return ClientHelloStatus.Invalid;
            if (nameType != HostNameType) continue;
            if (name.Length is 0 or > MaxHostNameLength || !IsHostName(name)) return ClientHelloStatus.Invalid;
            serverName = Encoding.ASCII.GetString(name).ToLowerInvariant();
            return ClientHelloStatus.Complete;
        }

        return ClientHelloStatus.Complete;
    }

    // Letters, digits, '-', '.', and '_' (seen in the wild); nothing that could smuggle another meaning into a log or a match.
    private static bool IsHostName(ReadOnlySpan<byte> name)
    {
        foreach (var c in name)
        {
            if (!(c is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'.' or (byte)'_'))
            {
                return false;
            }
        }

        return true;
    }

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly int Remaining => _rest.Length;

        public bool Skip(int count)
        {
            if (_rest.Length < count) return false;
            _rest = _rest[count..];
            return true;
        }

        public bool ReadByte(out byte value)
        {
            value = 0;
            if (_rest.Length < 1) return false;
            value = _rest[0];
            _rest = _rest[1..];
            return true;
        }

        public bool ReadUInt16(out ushort value)
        {
            value = 0;
            if (_rest.Length < 2) return false;
            value = BinaryPrimitives.ReadUInt16BigEndian(_rest);
            _rest = _rest[2..];
            return true;
        }

        /// <summary>A vector with a 1- or 2-byte length prefix.</summary>
        public bool ReadVector(int lengthBytes, out ReadOnlySpan<byte> body)
        {
            body = default;
            int length;
            if (lengthBytes == 1)
            {
                if (!ReadByte(out var b)) return false;
                length = b;
            }
            else
            {
                if (!ReadUInt16(out var u)) return false;
                length = u;
            }

            if (_rest.Length < length) return false;
            body = _rest[..length];
            _rest = _rest[length..];
            return true;
        }

        public bool SkipVector(int lengthBytes) => ReadVector(lengthBytes, out _);
    }
}
