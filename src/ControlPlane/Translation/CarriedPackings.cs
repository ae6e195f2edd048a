using Google.Protobuf;
using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// The packings of the resources the last snapshot shared, by type and name, so that a resource built again for the
/// next snapshot with the same content takes the packing already made instead of being serialized and hashed anew.
/// A pod coming or going changes one service's endpoints; repacking every key's two thousand unchanged clusters and
/// endpoint assignments was a seventh of what such a change cost at 1,000 proxies (docs/performance.md, "Endpoint
/// changes"). Content is compared as protobuf compares messages, field by field, which costs a fraction of packing.
/// </summary>
internal sealed class CarriedPackings
{
    // Distinct contents per name: keys of proxies mostly build one resource alike (one list entry), some differ.
    private readonly Dictionary<(Type Type, string Name), List<IMessage>> _byName;

    private CarriedPackings(Dictionary<(Type Type, string Name), List<IMessage>> byName) => _byName = byName;

    /// <summary>The packed ones among <paramref name="resources"/> (those streams sent); the others have nothing to give.</summary>
    public static CarriedPackings Of(IEnumerable<IMessage> resources)
    {
        var byName = new Dictionary<(Type, string), List<IMessage>>();
        foreach (var resource in resources)
        {
            if (SharedTranslation.PackingOf(resource) is not { IsValueCreated: true } packing) continue;
            var key = (resource.GetType(), packing.Value.Name);
            if (!byName.TryGetValue(key, out var contents)) byName.Add(key, contents = []);
            if (!contents.Exists(content => SharedTranslation.PackedOf(content)!.SameBytesAs(packing.Value))) contents.Add(resource);
        }
        return new CarriedPackings(byName);
    }

    /// <summary>The packing of a carried resource equal to <paramref name="resource"/>; null when none is.</summary>
    public Lazy<PackedResource>? Find(IMessage resource)
    {
        if (!_byName.TryGetValue((resource.GetType(), ResourceNames.Of(resource)), out var contents)) return null;
        foreach (var content in contents)
        {
            if (content.Equals(resource)) return SharedTranslation.PackingOf(content);
        }
        return null;
    }
}
