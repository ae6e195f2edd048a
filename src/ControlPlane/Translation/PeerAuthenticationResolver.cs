// Which PeerAuthentication mode applies to a workload's inbound port, with Istio's precedence.
using Mesh.Contracts.Discovery;
using Mesh.Istio.Security;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Istio's order, most specific last wins: the mesh-wide policy (root namespace, no selector), then the namespace's
/// (no selector), then a policy selecting the workload by labels, then that policy's portLevelMtls for the port.
/// UNSET (or no mtls) inherits from the level above; with nothing set, PERMISSIVE.
/// </summary>
internal static class PeerAuthenticationResolver
{
    public static InboundTlsMode ModeFor(MeshSnapshot snapshot, string workloadNamespace, IReadOnlyDictionary<string, string> labels, uint port)
    {
        PeerAuthentication? meshWide = null, namespaceWide = null, selecting = null;
        foreach (var policy in snapshot.PeerAuthentications)
        {
            var ns = policy.Metadata.Namespace;
            var selector = policy.Spec.Selector;
            if (selector is null || selector.MatchLabels.Count == 0)
            {
                if (ns == MeshSettings.RootNamespace) meshWide ??= policy;
                if (ns == workloadNamespace) namespaceWide ??= policy;
            }
            else if (ns == workloadNamespace && Matches(selector.MatchLabels, labels))
            {
                selecting ??= policy;
            }
        }

        var mode = Override(MutualTlsMode.Permissive, meshWide?.Spec.Mtls?.Mode);
        mode = Override(mode, namespaceWide?.Spec.Mtls?.Mode);
        mode = Override(mode, selecting?.Spec.Mtls?.Mode);
        // portLevelMtls counts only on a policy with a selector, as in Istio.
        if (selecting is not null && selecting.Spec.PortLevelMtls.TryGetValue(port, out var portLevel))
        {
            mode = Override(mode, portLevel.Mode);
        }

        return mode switch
        {
            MutualTlsMode.Strict => InboundTlsMode.Strict,
            MutualTlsMode.Disable => InboundTlsMode.Disable,
            _ => InboundTlsMode.Permissive,
        };
    }

    private static MutualTlsMode Override(MutualTlsMode current, MutualTlsMode? next) =>
        next is null or MutualTlsMode.Unset ? current : next.Value;

    private static bool Matches(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var (key, value) in selector)
        {
            if (!labels.TryGetValue(key, out var own) || own != value) return false;
        }
        return true;
    }
}
