using Mesh.Istio.Loading;
using Mesh.Istio.Security;

namespace Mesh.Istio.Validation;

/// <summary>Istio's ValidatePeerAuthentication: selector, and port-level modes only for selected workloads.</summary>
internal static class PeerAuthenticationValidator
{
    public static void Validate(PeerAuthenticationSpec spec, FieldProblems p)
    {
        if (spec.Selector is { } selector)
        {
            CommonRules.Selector(selector.MatchLabels, "spec.selector.matchLabels", p);
        }

        if (spec.PortLevelMtls.Count > 0 && (spec.Selector is null || spec.Selector.MatchLabels.Count == 0))
        {
            p.Error("spec.portLevelMtls", "Invalid value: portLevelMtls requires selector");
        }

        foreach (var port in spec.PortLevelMtls.Keys)
        {
            CommonRules.Port(port, FieldPaths.Key("spec.portLevelMtls", port.ToString(System.Globalization.CultureInfo.InvariantCulture)), p);
        }
    }
}
