namespace Mesh.Istio.Analysis;

/// <summary>Reports every field written in a resource that is on <see cref="NotEffectiveFields"/>, and every resource of a kind without effect.</summary>
internal static class FieldEffectCheck
{
    private const string NoEffect = "has no effect in this mesh: ";

    public static void Check(IstioResource resource, IReadOnlyList<NotEffectiveField> notEffective, List<AnalysisMessage> messages)
    {
        foreach (var entry in notEffective)
        {
            if (!entry.AppliesTo(resource))
            {
                continue;
            }

            if (entry.Path.Length == 0)
            {
                messages.Add(AnalysisMessage.At(AnalysisMessageType.NotEffective, resource, "", $"{resource.Kind} {NoEffect}{entry.Reason}"));
                continue;
            }

            foreach (var path in resource.FieldLines.Keys)
            {
                if (entry.Matches(path))
                {
                    messages.Add(AnalysisMessage.At(AnalysisMessageType.NotEffective, resource, path, NoEffect + entry.Reason));
                }
            }
        }
    }
}
