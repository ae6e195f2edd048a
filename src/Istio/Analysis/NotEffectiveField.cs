using System.Text;
using System.Text.RegularExpressions;

namespace Mesh.Istio.Analysis;

/// <summary>
/// One Istio field this mesh accepts but does not apply: the kind, where the field is, and why (with what to do).
/// </summary>
public sealed class NotEffectiveField(string kind, string path, string reason, NotEffectiveWhen when = NotEffectiveWhen.Always)
{
    private readonly Regex? _pattern = path.Length > 0 ? Compile(path) : null;

    /// <summary>The resource kind, e.g. <c>DestinationRule</c>.</summary>
    public string Kind { get; } = kind;

    /// <summary>
    /// Where the field is: a field path whose <c>[*]</c> stands for any list index or map key and whose <c>**</c> segment
    /// for any run of segments (<c>spec.**.outlierDetection</c> is the rule's, a subset's and a port's); empty for the
    /// whole resource.
    /// </summary>
    public string Path { get; } = path;

    /// <summary>Why it has no effect, and what to do instead when there is something.</summary>
    public string Reason { get; } = reason;

    public NotEffectiveWhen When { get; } = when;

    /// <summary>Whether the entry applies to this resource at all (its kind, and its <see cref="When"/>).</summary>
    public bool AppliesTo(IstioResource resource) => resource.Kind == Kind && When switch
    {
        NotEffectiveWhen.SidecarsOnly => BindsToSidecarsOnly(resource),
        NotEffectiveWhen.GatewaysOnly => BindsToGatewaysOnly(resource),
        _ => true,
    };

    /// <summary>Whether a written field's path is this entry's field (not one inside it: the field is reported once).</summary>
    public bool Matches(string fieldPath) => _pattern?.IsMatch(fieldPath) == true;

    private static bool BindsToSidecarsOnly(IstioResource resource)
    {
        if (resource is not Networking.VirtualService virtualService) return false;
        foreach (var gateway in virtualService.Spec.Gateways)
        {
            if (gateway != HostNameRules.MeshGateway) return false;
        }

        return true;
    }

    private static bool BindsToGatewaysOnly(IstioResource resource)
    {
        if (resource is not Networking.VirtualService virtualService || virtualService.Spec.Gateways.Count == 0) return false;
        foreach (var gateway in virtualService.Spec.Gateways)
        {
            if (gateway == HostNameRules.MeshGateway) return false;
        }

        return true;
    }

    private static Regex Compile(string path)
    {
        var pattern = new StringBuilder("^");
        var segments = path.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            if (segments[i] == "**")
            {
                // Any run of segments, each a name with optional [index] or [key] parts (a key may hold dots).
                pattern.Append(@"(?:[^.\[]+(?:\[[^\]]*\])*\.)*");
                continue;
            }

            pattern.Append(Regex.Escape(segments[i]).Replace(@"\[\*]", @"\[[^\]]*]", StringComparison.Ordinal));
            if (i < segments.Length - 1)
            {
                pattern.Append(@"\.");
            }
        }

        return new Regex(pattern.Append('$').ToString(), RegexOptions.CultureInvariant);
    }
}
