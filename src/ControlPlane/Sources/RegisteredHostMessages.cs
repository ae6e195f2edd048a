using Mesh.ControlPlane.Model;
using Mesh.Istio.Analysis;

namespace Mesh.ControlPlane.Sources;

/// <summary>
/// The analyzer knows only Istio resources: a destination host that a platform Service (not a ServiceEntry) declares
/// reads to it as missing (IST0101). This drops those messages, so a VirtualService routing to a Kubernetes Service
/// is not reported as broken, while a host nothing declares still is.
/// </summary>
internal static class RegisteredHostMessages
{
    // ReferenceCheck's wording for a missing destination host ends with the fully qualified name it looked for.
    private const string Marker = "(no ServiceEntry declares ";

    public static IReadOnlyList<AnalysisMessage> Without(IReadOnlyList<AnalysisMessage> messages, PlatformRegistry registry)
    {
        if (registry.Services.Count == 0) return messages;
        var hosts = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var service in registry.Services) hosts.Add(service.Hostname);
        var kept = new List<AnalysisMessage>(messages.Count);
        foreach (var message in messages)
        {
            if (!IsRegisteredHost(message, hosts)) kept.Add(message);
        }
        return kept;
    }

    private static bool IsRegisteredHost(AnalysisMessage message, HashSet<string> hosts)
    {
        if (message.Type != AnalysisMessageType.ReferencedResourceNotFound || !message.FieldPath.EndsWith(".host", StringComparison.Ordinal)) return false;
        var start = message.Text.IndexOf(Marker, StringComparison.Ordinal);
        if (start < 0) return false;
        start += Marker.Length;
        var end = message.Text.IndexOf(')', start);
        return end > start && hosts.Contains(message.Text[start..end]);
    }
}
