using System.Text;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Everything of a sidecar that its outbound route configuration depends on, and all that its build reads of the
/// proxy: proxies with equal inputs share one build (<see cref="SharedTranslation"/>).
/// </summary>
/// <param name="Namespace">What is exported to it, its short host names, and sourceNamespace matches.</param>
/// <param name="Scope">What its Sidecar resource imports and its outbound policy (one instance per Sidecar and namespace in a snapshot).</param>
/// <param name="Captured">Whether iptables captures its traffic: its virtual hosts then answer to addresses too, and a last one takes the rest.</param>
/// <param name="Labels">Its labels when some route matches on sourceLabels; otherwise none, as no route reads them.</param>
/// <param name="LabelsKey">Those labels in one canonical string (sorted by key, each part length-prefixed): what equality compares.</param>
internal sealed record OutboundRouteInputs(string Namespace, SidecarScope Scope, bool Captured, IReadOnlyDictionary<string, string> Labels, string LabelsKey)
{
    internal static readonly IReadOnlyDictionary<string, string> NoLabels = new Dictionary<string, string>(StringComparer.Ordinal);

    public static OutboundRouteInputs Of(ProxyContext proxy, SharedTranslation shared) =>
        shared.RoutesMatchSourceLabels
            ? new(proxy.Namespace, proxy.Scope, proxy.IsCaptured, proxy.Labels, Canonical(proxy.Labels))
            : new(proxy.Namespace, proxy.Scope, proxy.IsCaptured, NoLabels, "");

    public bool Equals(OutboundRouteInputs? other) =>
        other is not null && Namespace == other.Namespace && ReferenceEquals(Scope, other.Scope) && Captured == other.Captured && LabelsKey == other.LabelsKey;

    public override int GetHashCode() => HashCode.Combine(Namespace, Scope, Captured, LabelsKey);

    /// <summary>Labels as one string, equal exactly when the labels are.</summary>
    internal static string Canonical(IReadOnlyDictionary<string, string> labels)
    {
        var keys = labels.Keys.ToArray();
        Array.Sort(keys, StringComparer.Ordinal);
        var text = new StringBuilder();
        // Length prefixes keep it unambiguous whatever characters a label holds (a local-mode proxy's are not validated).
        foreach (var key in keys)
        {
            var value = labels[key];
            text.Append(key.Length).Append(':').Append(key).Append(value.Length).Append(':').Append(value);
        }
        return text.ToString();
    }
}
