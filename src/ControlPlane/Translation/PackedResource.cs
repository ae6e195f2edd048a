using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A resource packed as a response carries it, with the SHA-256 of its bytes. Made once per resource: a proxy's
/// version and an increment's diff then read 32 bytes per resource, however large it is, and a resource shared by a
/// thousand proxies is hashed once, not a thousand times.
/// </summary>
internal sealed class PackedResource
{
    public PackedResource(IMessage resource)
    {
        Any = Any.Pack(resource);
        Digest = SHA256.HashData(Any.Value.Span);
        Name = ResourceNames.Of(resource);
    }

    public Any Any { get; }

    /// <summary>The resource's name (<see cref="ResourceNames"/>): what increments are made by.</summary>
    public string Name { get; }

    public byte[] Digest { get; }

    /// <summary>Whether the two carry the same bytes: the same object, or equal digests.</summary>
    public bool SameBytesAs(PackedResource other) => ReferenceEquals(this, other) || Digest.AsSpan().SequenceEqual(other.Digest);
}
