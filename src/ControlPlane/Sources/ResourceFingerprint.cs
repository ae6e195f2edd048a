using System.Text.Json;
using Mesh.Istio;

namespace Mesh.ControlPlane.Sources;

/// <summary>
/// What a resource says, apart from where it was read: two versions with the same fingerprint are the same config,
/// so re-reading a file reports only the resources whose content changed. Runs on config changes, never per request.
/// </summary>
internal static class ResourceFingerprint
{
    private static readonly ConfigSource Nowhere = new("", 0);

    public static string Of(IstioResource resource) => JsonSerializer.Serialize(resource with { Source = Nowhere }, resource.GetType());

    /// <summary>Adds to <paramref name="changed"/> the keys added, removed, or whose content differs between the two versions of a file.</summary>
    public static void AddChangedKeys(IReadOnlyList<IstioResource> before, IReadOnlyList<IstioResource> after, HashSet<ConfigKey> changed)
    {
        var previous = new Dictionary<ConfigKey, string?>(before.Count);
        foreach (var resource in before)
        {
            // A key declared twice in one file: no single version to compare with, so it counts as changed.
            if (!previous.TryAdd(resource.Key, Of(resource))) previous[resource.Key] = null;
        }
        var seen = new HashSet<ConfigKey>();
        foreach (var resource in after)
        {
            if (!seen.Add(resource.Key) || !previous.TryGetValue(resource.Key, out var fingerprint) || fingerprint is null || fingerprint != Of(resource))
            {
                changed.Add(resource.Key);
            }
        }
        foreach (var key in previous.Keys)
        {
            if (!seen.Contains(key)) changed.Add(key);
        }
    }
}
