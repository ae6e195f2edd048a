using Mesh.Istio;

namespace Mesh.ControlPlane.Sources;

/// <summary>Which resources of one origin changed between two of its versions.</summary>
internal static class ChangedKeys
{
    /// <summary>
    /// Adds the keys a new version of one origin (a file, a Kubernetes object) added, removed, or changed the text of (<see cref="IstioResource.ContentHash"/>),
    /// so an edit of one resource among several, or a save (or update) without edits, reports only what changed.
    /// </summary>
    public static void Add(IReadOnlyList<IstioResource> before, IReadOnlyList<IstioResource> after, HashSet<ConfigKey> changed)
    {
        var previous = new Dictionary<ConfigKey, string>(before.Count);
        foreach (var resource in before)
        {
            // A key declared twice in one file has no single previous version: it counts as changed.
            if (!previous.TryAdd(resource.Key, resource.ContentHash)) previous[resource.Key] = "";
        }
        var seen = new HashSet<ConfigKey>();
        foreach (var resource in after)
        {
            var unchanged = seen.Add(resource.Key) && previous.TryGetValue(resource.Key, out var hash) && hash.Length > 0 && hash == resource.ContentHash;
            if (!unchanged) changed.Add(resource.Key);
        }
        foreach (var key in previous.Keys)
        {
            if (!seen.Contains(key)) changed.Add(key);
        }
    }
}
