using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Model;

/// <summary>A DestinationRule with its host resolved to an FQDN.</summary>
internal sealed record DestinationRuleModel(DestinationRule Resource, string Host)
{
    public string Namespace => Resource.Metadata.Namespace;
    public DestinationRuleSpec Spec => Resource.Spec;

    public Subset? FindSubset(string name)
    {
        foreach (var subset in Spec.Subsets)
        {
            if (subset.Name == name) return subset;
        }
        return null;
    }
}
