using k8s.Models;

namespace Mesh.Injection;

/// <summary>
/// Who gets a sidecar, as Istio's <c>injectRequired</c> decides it with its default policy ("enabled": the webhook's
/// namespaceSelector already chose the namespace, so a pod is injected unless it opts out). The webhook and
/// <c>kube-inject</c> both ask here; the API server's selectors come first on a cluster, this is the re-check.
/// </summary>
internal static class InjectionPolicy
{
    public const string InjectKey = "sidecar.istio.io/inject";
    public const string StatusAnnotation = "sidecar.istio.io/status";

    /// <summary>Istio's IgnoredNamespaces: Kubernetes' own and kind's local-path provisioner.</summary>
    private static readonly string[] IgnoredNamespaces = ["kube-system", "kube-public", "kube-node-lease", "local-path-storage"];

    /// <summary>Null when the pod is to be injected; otherwise why not, in words for a log line or kube-inject's warning.</summary>
    public static string? SkipReason(V1ObjectMeta metadata, V1PodSpec spec, string? @namespace, InjectionSettings settings, ICollection<string> warnings)
    {
        // iptables in a host-network pod would rewrite the node's routing, not the pod's.
        if (spec.HostNetwork == true)
        {
            return "it has host networking enabled";
        }

        if (!string.IsNullOrEmpty(@namespace) && Array.IndexOf(IgnoredNamespaces, @namespace) >= 0)
        {
            return $"namespace {@namespace} is never injected";
        }

        if (metadata.Annotations?.ContainsKey(StatusAnnotation) == true)
        {
            return $"it is already injected ({StatusAnnotation} is present)";
        }

        // The label is the current API; the annotation the older one; the label wins when both are there.
        string? choice = null;
        metadata.Annotations?.TryGetValue(InjectKey, out choice);
        if (metadata.Labels?.TryGetValue(InjectKey, out var label) == true)
        {
            choice = label;
        }

        // The control plane's namespace is injected only where a pod asks for it, as a gateway there does (Istio's
        // webhooks send it only such pods: the namespace carries no injection label).
        if (!string.IsNullOrEmpty(@namespace) && @namespace == settings.SystemNamespace && choice != "true")
        {
            return $"namespace {@namespace} is injected only for a pod labelled {InjectKey}: \"true\"";
        }

        switch (choice)
        {
            case null or "":
            case "true":
                return null;
            case "false":
                return $"it has {InjectKey}: \"false\"";
            default:
                warnings.Add($"{InjectKey}: \"{choice}\" is neither \"true\" nor \"false\"; the default policy (inject) applies");
                return null;
        }
    }
}
