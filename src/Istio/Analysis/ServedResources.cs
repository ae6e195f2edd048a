namespace Mesh.Istio.Analysis;

/// <summary>
/// Which copy of a resource defined more than once (the same kind, namespace and name, in two files or twice in one)
/// is served: the first by file path (ordinal), then by position in the file. One rule, used by the control plane's
/// model and by the analyzer, which reports every other copy (MESH0002) naming both.
/// </summary>
public static class ServedResources
{
    /// <summary>The resources to serve, in the order given, without the copies that lose; <paramref name="conflicts"/> gets one message per losing copy.</summary>
    public static List<IstioResource> Select(IReadOnlyList<IstioResource> resources, List<AnalysisMessage>? conflicts = null)
    {
        var winners = new Dictionary<ConfigKey, IstioResource>(resources.Count);
        foreach (var resource in resources)
        {
            if (!winners.TryGetValue(resource.Key, out var current) || ComparePosition(resource, current) < 0)
            {
                winners[resource.Key] = resource;
            }
        }

        var served = new List<IstioResource>(winners.Count);
        foreach (var resource in resources)
        {
            var winner = winners[resource.Key];
            if (ReferenceEquals(winner, resource))
            {
                served.Add(resource);
            }
            else
            {
                conflicts?.Add(AnalysisMessage.At(AnalysisMessageType.DuplicateResource, resource, "",
                    $"{resource} is also defined at {Where(winner)}; this mesh serves that one (the first by file name, then position) and ignores this one"));
            }
        }

        return served;
    }

    private static string Where(IstioResource resource) =>
        resource.Source.Line is { } line ? $"{resource.Source.File}:{line}" : resource.Source.ToString();

    private static int ComparePosition(IstioResource a, IstioResource b)
    {
        var byFile = string.CompareOrdinal(a.Source.File, b.Source.File);
        if (byFile != 0)
        {
            return byFile;
        }

        var byDocument = a.Source.DocumentIndex.CompareTo(b.Source.DocumentIndex);
        return byDocument != 0 ? byDocument : (a.Source.ItemIndex ?? -1).CompareTo(b.Source.ItemIndex ?? -1);
    }
}
