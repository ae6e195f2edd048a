using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Discovery;

/// <summary>A short content hash of one type's resources for one proxy: equal content gives an equal version.</summary>
internal static class ResourceVersion
{
    /// <summary>
    /// The resources as a response carries them. A stream packs each type once per regeneration: the version hashes
    /// these bytes, and the response sends them, so no resource is serialized twice.
    /// </summary>
    /// <param name="shared">The snapshot's shared resources, packed once for every stream that holds them; null packs each.</param>
    public static Any[] Pack(IReadOnlyList<IMessage> resources, SharedTranslation? shared = null)
    {
        var packed = new Any[resources.Count];
        for (var i = 0; i < packed.Length; i++) packed[i] = shared?.PackedOf(resources[i]) ?? Any.Pack(resources[i]);
        return packed;
    }

    public static string Compute(IReadOnlyList<Any> packed) => FromDigest(Digest(packed));

    /// <summary>The SHA-256 of the resources' bytes, each length-prefixed so two lists never hash the same by concatenating alike.</summary>
    public static byte[] Digest(IReadOnlyList<Any> packed)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        for (var i = 0; i < packed.Count; i++)
        {
            var bytes = packed[i].Value.Span;
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }
        return hash.GetHashAndReset();
    }

    /// <summary>The version a response carries: the digest's first 6 bytes, in hex.</summary>
    public static string FromDigest(ReadOnlySpan<byte> digest) => Convert.ToHexStringLower(digest[..6]);
}
