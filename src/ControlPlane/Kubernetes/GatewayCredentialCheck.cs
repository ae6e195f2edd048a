using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>A Gateway server that terminates TLS with a credentialName, as resolved for the gateway pods of one namespace.</summary>
/// <param name="Problem">Why the server is not served there; null when its Secret serves.</param>
internal readonly record struct GatewayCredentialUse(ConfigKey Gateway, string Server, uint Port, string CredentialName, string Namespace, string? Problem);

/// <summary>
/// Which Gateway servers' credentialNames do not resolve, for the people who wrote them: each is checked against the
/// Secrets of the namespaces the Gateway's selected pods run in (Istio's rule), the same resolution translation does.
/// </summary>
internal static class GatewayCredentialCheck
{
    public static List<GatewayCredentialUse> Check(IReadOnlyList<IstioResource> resources, PlatformRegistry registry, IReadOnlyDictionary<string, TlsCredentialModel> secrets)
    {
        var uses = new List<GatewayCredentialUse>();
        foreach (var resource in resources)
        {
            if (resource is not Gateway gateway) continue;
            HashSet<string>? namespaces = null;
            for (var i = 0; i < gateway.Spec.Servers.Count; i++)
            {
                var server = gateway.Spec.Servers[i];
                if (!GatewayTlsTranslator.Terminates(server)) continue;
                var tls = server.Tls!;
                var name = tls.CredentialName ?? (tls.CredentialNames.Count > 0 ? tls.CredentialNames[0] : null);
                if (name is null) continue;
                namespaces ??= GatewayNamespaces(gateway, registry);
                foreach (var ns in namespaces)
                {
                    GatewayTlsTranslator.ResolveSecret(secrets, ns, name, tls.Mode == ServerTlsMode.Mutual, out var problem);
                    uses.Add(new GatewayCredentialUse(gateway.Key, server.Port?.Name is { Length: > 0 } portName ? portName : $"servers[{i}]",
                        server.Port?.Number ?? 0, name, ns, problem));
                }
            }
        }
        return uses;
    }

    /// <summary>The namespaces of the pods the Gateway's selector selects (Istio resolves credentialName in each gateway pod's own).</summary>
    private static HashSet<string> GatewayNamespaces(Gateway gateway, PlatformRegistry registry)
    {
        var namespaces = new HashSet<string>(StringComparer.Ordinal);
        var model = new GatewayModel(gateway);
        foreach (var workload in registry.Workloads)
        {
            if (model.Selects(workload.Labels)) namespaces.Add(workload.Namespace);
        }
        return namespaces;
    }
}
