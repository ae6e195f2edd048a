using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Discovery;

/// <summary>
/// One type's packed resources with their version, immutable and shared by every stream that holds this content.
/// Only <see cref="SharedResourcePool"/> creates one and counts its holders.
/// </summary>
internal sealed class SharedResources
{
    internal SharedResources(string key, PackedParts packed, string version, bool namesAscending)
    {
        Key = key;
        Packed = packed;
        Version = version;
        NamesAscending = namesAscending;
    }

    /// <summary>The type and the full content digest: what the pool finds this content by.</summary>
    internal string Key { get; }

    /// <summary>The resources as a response carries them, in the parts they were built in; never modified once shared.</summary>
    public PackedParts Packed { get; }

    public string Version { get; }

    /// <summary>Whether the resources' names are strictly ascending (ordinal), so that an increment is one walk over two sets.</summary>
    public bool NamesAscending { get; }

    /// <summary>How many streams hold this content; guarded by the pool's lock.</summary>
    internal int Holders { get; set; }
}
