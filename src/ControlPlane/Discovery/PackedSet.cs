using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Discovery;

/// <summary>One type's resources for one proxy, as <see cref="SharedResourcePool"/> takes them: digested first, packed only when new.</summary>
internal interface IPackableResources
{
    /// <summary>What <see cref="ResourceVersion.Digest"/> gives for <see cref="Pack"/>'s packings, made without them where it can be.</summary>
    byte[] Digest();

    /// <summary>The packings, in the set's order, in the parts they were built in.</summary>
    PackedParts Pack();

    /// <summary>Whether the names are strictly ascending (ordinal): then an increment is one walk over two sets.</summary>
    bool NamesAscending { get; }
}

/// <summary>Resources already packed, in order.</summary>
internal sealed class PackedSet(PackedResource[] packed) : IPackableResources
{
    public byte[] Digest() => ResourceVersion.Digest(packed);

    public PackedParts Pack() => PackedParts.Of(packed);

    public bool NamesAscending => InNameOrder(packed);

    public static bool InNameOrder(PackedResource[] packed)
    {
        for (var i = 1; i < packed.Length; i++)
        {
            if (string.CompareOrdinal(packed[i - 1].Name, packed[i].Name) >= 0) return false;
        }
        return true;
    }
}
