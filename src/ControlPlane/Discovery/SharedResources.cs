using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Discovery;

/// <summary>
/// One type's packed resources with their version, immutable and shared by every stream that holds this content.
/// Only <see cref="SharedResourcePool"/> creates one and counts its holders.
/// </summary>
internal sealed class SharedResources
{
    internal SharedResources(string key, PackedResource[] packed, string[] names, string version)
    {
        Key = key;
        Packed = packed;
        Names = names;
        Version = version;
        NamesAscending = true;
        for (var i = 1; i < names.Length && NamesAscending; i++) NamesAscending = string.CompareOrdinal(names[i - 1], names[i]) < 0;
    }

    /// <summary>The type and the full content digest: what the pool finds this content by.</summary>
    internal string Key { get; }

    /// <summary>The resources as a response carries them; never modified once shared.</summary>
    public PackedResource[] Packed { get; }

    /// <summary>Each packed resource's name (<see cref="Mesh.Contracts.Discovery.ResourceNames"/>), in the same order: what increments are made by.</summary>
    public string[] Names { get; }

    public string Version { get; }

    /// <summary>Whether <see cref="Names"/> are strictly ascending (ordinal), so that an increment is one walk over two sets.</summary>
    public bool NamesAscending { get; }

    /// <summary>How many streams hold this content; guarded by the pool's lock.</summary>
    internal int Holders { get; set; }
}
