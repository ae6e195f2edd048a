using System.Buffers;
using System.Security.Cryptography;
using Google.Protobuf;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Discovery;

/// <summary>A short content hash of one type's resources for one proxy: equal content gives an equal version.</summary>
internal static class ResourceVersion
{
    /// <summary>
    /// The resources as a response carries them, each with its digest. A stream packs each type once per
    /// regeneration: the version is made of these digests, and the response sends these bytes, so no resource is
    /// serialized or hashed twice. A resource shared between proxies is packed once, where it was built
    /// (<see cref="SharedTranslation.PackedOf"/>); a proxy's own is packed here.
    /// </summary>
    public static PackedResource[] Pack(IReadOnlyList<IMessage> resources)
    {
        var packed = new PackedResource[resources.Count];
        for (var i = 0; i < packed.Length; i++) packed[i] = SharedTranslation.PackedOf(resources[i]) ?? new PackedResource(resources[i]);
        return packed;
    }

    public static string Compute(IReadOnlyList<PackedResource> packed) => FromDigest(Digest(packed));

    /// <summary>
    /// The SHA-256 of the resources' own digests, in order: equal only for the same bytes in the same order (each
    /// digest is 32 bytes, so no two lists run together alike), and 32 bytes hashed per resource whatever its size.
    /// Hashed in one call over the digests laid end to end: appending them one by one crossed into the native hash
    /// two thousand times for a proxy's endpoint assignments.
    /// </summary>
    public static byte[] Digest(IReadOnlyList<PackedResource> packed)
    {
        var length = packed.Count * SHA256.HashSizeInBytes;
        var digests = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            CopyDigests(packed, digests);
            return SHA256.HashData(digests.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(digests);
        }
    }

    /// <summary>The resources' digests laid end to end into <paramref name="destination"/>, as <see cref="Digest"/> hashes them.</summary>
    public static void CopyDigests(IReadOnlyList<PackedResource> packed, Span<byte> destination)
    {
        for (var i = 0; i < packed.Count; i++) packed[i].Digest.CopyTo(destination[(i * SHA256.HashSizeInBytes)..]);
    }

    /// <summary>The version a response carries: the digest's first 6 bytes, in hex.</summary>
    public static string FromDigest(ReadOnlySpan<byte> digest) => Convert.ToHexStringLower(digest[..6]);
}
