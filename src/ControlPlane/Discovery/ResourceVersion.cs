using System.Security.Cryptography;
using Google.Protobuf;

namespace Mesh.ControlPlane.Discovery;

/// <summary>A short content hash of one type's resources for one proxy: equal content gives an equal version.</summary>
internal static class ResourceVersion
{
    public static string Compute(IReadOnlyList<IMessage> resources)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        for (var i = 0; i < resources.Count; i++)
        {
            var bytes = resources[i].ToByteArray();
            // Length-prefixed so two resource lists never hash the same by concatenating alike.
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }
        Span<byte> digest = stackalloc byte[32];
        hash.GetHashAndReset(digest);
        return Convert.ToHexStringLower(digest[..6]);
    }
}
