using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Whether a proxy's generated configuration can depend on a changed resource, so that a push skips the proxies a
/// change cannot affect (istiod's ProxyNeedsPush, with the proxy's sidecar scope: a proxy whose Sidecar resource does
/// not import a service, or a VirtualService, does not depend on it). The rules follow what the
/// generators read, and err towards pushing: a resource is judged in both the snapshot the proxy's configuration came
/// from and the new one, so adding, editing and removing it are all seen.
/// </summary>
internal static class ProxyDependencies
{
    public static bool NeedsPush(Node node, MeshSnapshot previous, MeshSnapshot current, PushRequest request)
    {
        if (request.IsFull) return true;
        var before = new Scope(node, previous);
        var after = new Scope(node, current);
        foreach (var key in request.ConfigsUpdated)
        {
            if (before.DependsOn(key) || after.DependsOn(key)) return true;
        }
        return false;
    }

    /// <summary>
    /// The types of the proxy's configuration that the request's changes can affect, so that a push regenerates only
    /// those: the union of what each change affects, by what the generators read.
    /// <list type="bullet">
    /// <item>A mesh VirtualService shapes routes, and listeners where they read it: a gateway's (SNI routes), and a
    /// sidecar's only for <c>tcp</c> routes (<see cref="TcpRouteTranslator"/>), so in a mesh where no VirtualService has
    /// any, before or after, an edit affects only its routes (a captured sidecar's listeners walk every service, which
    /// at 1,000 proxies was most of what an HTTP route change cost). Not the edited ones alone: a VirtualService
    /// without <c>tcp</c> routes that takes a host over from one with them changes that host's listener. Every type
    /// when a Sidecar resource scopes the proxy in either snapshot: the services its imported VirtualServices route to
    /// are imported too (<see cref="SidecarScope"/>), so clusters and endpoints follow.</item>
    /// <item>A Telemetry, the mesh config's tracing providers, an AuthorizationPolicy and a RequestAuthentication shape
    /// listeners alone.</item>
    /// <item>A DestinationRule shapes clusters and endpoints alone (subsets, TLS, load balancing, and the inbound
    /// cluster's connection pool).</item>
    /// <item>A PeerAuthentication shapes the inbound listeners' mTLS mode and, through auto mTLS, the clusters of its
    /// workloads' clients; no endpoint or route reads one.</item>
    /// <item>A change of services' endpoints alone shapes endpoints, and clusters where their bytes changed
    /// (<see cref="EndpointChanges"/>).</item>
    /// <item>Every other kind (a Sidecar, a ServiceEntry that is more than its endpoints …) every type.</item>
    /// </list>
    /// </summary>
    public static ResourceTypes TypesAffected(Node node, MeshSnapshot previous, MeshSnapshot current, PushRequest request)
    {
        if (request.IsFull) return ResourceTypes.All;
        var types = ResourceTypes.None;
        bool virtualServices = false, endpoints = false;
        foreach (var key in request.ConfigsUpdated)
        {
            if (key.Kind == VirtualService.KindName) virtualServices = true;
            else if (ShapesListenersAlone(key)) types |= ResourceTypes.Listeners;
            else if (key.Kind == DestinationRule.KindName) types |= ResourceTypes.Clusters | ResourceTypes.Endpoints;
            else if (key.Kind == Mesh.Istio.Security.PeerAuthentication.KindName) types |= ResourceTypes.Listeners | ResourceTypes.Clusters;
            else if (EndpointChanges.OnlyEndpoints(key, node, previous, current)) endpoints = true;
            else return ResourceTypes.All;
        }
        if (endpoints) types |= EndpointChanges.TypesAffected(node, previous, current);
        return virtualServices ? types | VirtualServiceTypes(node, previous, current) : types;
    }

    /// <summary>
    /// Telemetry and tracing providers set a listener's telemetry; an AuthorizationPolicy or a RequestAuthentication
    /// sets the authorization and JWT rules of the listeners that take requests in (a sidecar's inbound side, a
    /// gateway's servers). Nothing else reads them.
    /// </summary>
    private static bool ShapesListenersAlone(ConfigKey key) =>
        key.Kind is Mesh.Istio.Observability.Telemetry.KindName or Mesh.Istio.Security.AuthorizationPolicy.KindName or Mesh.Istio.Security.RequestAuthentication.KindName
        || key == MeshSettings.TracingProvidersKey;

    private static ResourceTypes VirtualServiceTypes(Node node, MeshSnapshot previous, MeshSnapshot current)
    {
        if (!new ProxyContext(node, previous).Scope.ImportsEverything || !new ProxyContext(node, current).Scope.ImportsEverything) return ResourceTypes.All;
        var listenersRead = node.Role == ProxyRole.Router || SharedTranslation.For(previous).HasTcpRoutes || SharedTranslation.For(current).HasTcpRoutes;
        return listenersRead ? ResourceTypes.Listeners | ResourceTypes.Routes : ResourceTypes.Routes;
    }

    /// <summary>One proxy as one snapshot sees it.</summary>
    private sealed class Scope(Node node, MeshSnapshot snapshot)
    {
        private readonly ProxyContext _proxy = new(node, snapshot);
        private HashSet<string>? _gatewaysSelectingProxy;

        private bool IsRouter => node.Role == ProxyRole.Router;

        public bool DependsOn(ConfigKey key) => key.Kind switch
        {
            // A Kubernetes Service: its clusters and endpoints where it is visible, and a sidecar's own inbound
            // listeners (its namespace's services, which may list its pod).
            PlatformRegistry.ServiceKind => snapshot.PlatformServices.TryGetValue(key, out var service)
                && (Reaches(service) || service.Namespace == _proxy.Namespace),
            // A Pod: the proxy running as it (its labels, ports, service account and locality), and the proxies that
            // reach a ServiceEntry selecting it. (A Service's endpoints copy what they take from the pod, so a change
            // there changes the Service's key too.)
            PlatformRegistry.PodKind => IsOwnPod(key) || ReachesServiceSelecting(key),
            // The mesh config's tracing providers: only the listeners of a proxy whose Telemetry's tracing names one.
            MeshSettings.ConfigKind when key == MeshSettings.TracingProvidersKey => TelemetryResolver.NamesTracingProvider(_proxy, snapshot),
            // The mesh config's outboundTrafficPolicy: only a captured sidecar's listeners and routes read it.
            MeshSettings.ConfigKind => _proxy.IsCaptured,
            // A Secret: only proxies of its namespace that name it read it: gateways whose Gateways name it (or name the
            // credential whose client CA it holds), and proxies whose DestinationRule's client credentialName does
            // (gateways, and sidecars for a rule with a workloadSelector); no other proxy ever receives its key.
            TlsCredentialModel.SecretKind => key.Namespace == _proxy.Namespace && ((IsRouter && UsesCredential(key.Name)) || RuleNamesCredential(key.Name)),
            _ => DependsOnResource(key),
        };

        private bool UsesCredential(string secretName)
        {
            foreach (var gateway in snapshot.Gateways)
            {
                if (!gateway.Selects(_proxy.Labels)) continue;
                foreach (var server in gateway.Spec.Servers)
                {
                    if (server.Tls is not { } tls) continue;
                    var name = tls.CredentialName ?? (tls.CredentialNames.Count > 0 ? tls.CredentialNames[0] : null);
                    if (name is not null && (name == secretName || name + TlsCredentialModel.CaSecretSuffix == secretName)) return true;
                }
            }
            return false;
        }

        /// <summary>
        /// Whether a DestinationRule's client credentialName (or its <c>-cacert</c> companion) names the Secret, in a rule
        /// that can apply it to this proxy: any rule for a gateway, a rule with a workloadSelector for a sidecar.
        /// </summary>
        private bool RuleNamesCredential(string secretName)
        {
            foreach (var rule in snapshot.DestinationRules)
            {
                if (!IsRouter && rule.Spec.WorkloadSelector is null) continue;
                foreach (var tls in ClientTlsSettingsOf(rule.Spec))
                {
                    if (tls.CredentialName is { } name && (name == secretName || name + TlsCredentialModel.CaSecretSuffix == secretName)) return true;
                }
            }
            return false;
        }

        private static IEnumerable<ClientTlsSettings> ClientTlsSettingsOf(DestinationRuleSpec rule)
        {
            foreach (var policy in (TrafficPolicy?[])[rule.TrafficPolicy, .. rule.Subsets.Select(s => s.TrafficPolicy)])
            {
                if (policy is null) continue;
                if (policy.Tls is { } tls) yield return tls;
                foreach (var port in policy.PortLevelSettings)
                {
                    if (port.Tls is { } portTls) yield return portTls;
                }
            }
        }

        private bool IsOwnPod(ConfigKey key) => key.Namespace == _proxy.Namespace && key.Name == node.WorkloadName;

        private bool ReachesServiceSelecting(ConfigKey pod)
        {
            foreach (var service in snapshot.ServicesSelecting(pod.Namespace, pod.Name))
            {
                if (Reaches(service) || service.Namespace == _proxy.Namespace) return true;
            }
            return false;
        }

        private bool DependsOnResource(ConfigKey key) => snapshot.FindResource(key) switch
        {
            null => false,
            // Gateways configure the gateway proxies they select, and nothing of sidecars.
            Gateway gateway => IsRouter && GatewaysSelectingProxy.Contains(GatewayKey(gateway)),
            // A delegate (no hosts) reaches proxies through the roots that name it: taken as relevant to all.
            VirtualService virtualService => virtualService.Spec.Hosts.Count == 0 || Binds(virtualService),
            // Clusters (subsets, TLS, load balancing) of the hosts the rule is exported to and the proxy imports; a rule
            // with a workloadSelector, of the proxies it selects (judged in both snapshots: a selector edited away from
            // a proxy changes it too). And a sidecar's inbound clusters, whose connection pool is that of its own
            // namespace's services' rules (never one with a selector).
            DestinationRule rule => IsVisible(rule.Spec.ExportTo, rule.Metadata.Namespace)
                && ((ImportsRuleHost(rule) && DestinationRuleModel.SelectsProxy(rule, _proxy.Namespace, _proxy.Labels))
                    || (!IsRouter && rule.Spec.WorkloadSelector is null && CoversOwnNamespaceService(rule))),
            // Services the proxy can reach, and a sidecar's own inbound listeners (its namespace's entries).
            ServiceEntry entry => (IsVisible(entry.Spec.ExportTo, entry.Metadata.Namespace) && ImportsEntry(entry)) || entry.Metadata.Namespace == _proxy.Namespace,
            // The Sidecar resource that applies to this sidecar (in this snapshot or the other: added, edited, removed).
            Sidecar => !IsRouter && _proxy.Scope.Sidecar?.Key == key,
            // JWT rules of the workloads (and gateways) the policy applies to; no one else's listeners carry them.
            Mesh.Istio.Security.RequestAuthentication policy => RequestAuthenticationTranslator.Applies(policy, _proxy.Namespace, _proxy.Labels),
            // Authorization of the workloads (and gateways) the policy applies to, likewise.
            Mesh.Istio.Security.AuthorizationPolicy policy => AuthorizationPolicyResolver.Applies(policy, _proxy.Namespace, _proxy.Labels),
            // Telemetry: the listeners of the proxies of its namespace, and of every proxy from the root namespace.
            Mesh.Istio.Observability.Telemetry telemetry => telemetry.Metadata.Namespace == MeshSettings.RootNamespace || telemetry.Metadata.Namespace == _proxy.Namespace,
            // A ProxyConfig is read by the injector when it adds a pod's sidecar; no proxy's pushed configuration holds it.
            ProxyConfig => false,
            // The kinds this mesh does not implement (EnvoyFilter, WasmPlugin, ...) shape nothing it generates.
            UnsupportedResource => false,
            // A WorkloadEntry, as a Pod: the proxy running as it, and the proxies that reach a ServiceEntry selecting it.
            WorkloadEntry => IsOwnPod(key) || ReachesServiceSelecting(key),
            // PeerAuthentication decides inbound TLS and every client's auto mTLS; anything else is taken as relevant
            // until translation scopes it.
            _ => true,
        };

        /// <summary>A VirtualService reaches sidecars through <c>mesh</c> (where exported), gateway proxies through the Gateways selecting them.</summary>
        private bool Binds(VirtualService virtualService)
        {
            foreach (var gateway in MeshSnapshotBuilder.GatewaysOf(virtualService))
            {
                if (IsRouter ? GatewaysSelectingProxy.Contains(gateway)
                    : gateway == HostNames.MeshGateway && IsVisible(virtualService.Spec.ExportTo, virtualService.Metadata.Namespace)
                        && ImportsVirtualService(virtualService))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>A service the proxy's outbound side has: exported to its namespace and imported by its Sidecar.</summary>
        private bool Reaches(ServiceModel service) => IsVisible(service.ExportTo, service.Namespace) && _proxy.Scope.Imports(service);

        private bool ImportsEntry(ServiceEntry entry)
        {
            if (_proxy.Scope.ImportsEverything) return true;
            foreach (var host in entry.Spec.Hosts)
            {
                if (_proxy.Scope.ImportsHost(entry.Metadata.Namespace, host.ToLowerInvariant())) return true;
            }
            return false;
        }

        private bool ImportsVirtualService(VirtualService virtualService)
        {
            if (_proxy.Scope.ImportsEverything) return true;
            var hosts = new List<string>(virtualService.Spec.Hosts.Count);
            foreach (var host in virtualService.Spec.Hosts) hosts.Add(HostNames.Resolve(host, virtualService.Metadata.Namespace));
            return _proxy.Scope.ImportsVirtualService(virtualService.Metadata.Namespace, hosts);
        }

        /// <summary>Whether a service the rule's host covers (exactly or by wildcard) is one the proxy imports.</summary>
        private bool ImportsRuleHost(DestinationRule rule)
        {
            if (_proxy.Scope.ImportsEverything) return true;
            var host = HostNames.Resolve(rule.Spec.Host, rule.Metadata.Namespace);
            if (!HostNames.IsWildcard(host)) return snapshot.FindService(host) is { } service && _proxy.Scope.Imports(service);
            foreach (var service in snapshot.Services)
            {
                if (HostNames.IsSubsetOf(service.Hostname, host) && _proxy.Scope.Imports(service)) return true;
            }
            return false;
        }

        /// <summary>Whether the rule's host covers a service of the proxy's namespace, which may send to its workload.</summary>
        private bool CoversOwnNamespaceService(DestinationRule rule)
        {
            var host = HostNames.Resolve(rule.Spec.Host, rule.Metadata.Namespace);
            if (!HostNames.IsWildcard(host)) return snapshot.FindService(host) is { } service && service.Namespace == _proxy.Namespace;
            foreach (var service in snapshot.Services)
            {
                if (service.Namespace == _proxy.Namespace && HostNames.IsSubsetOf(service.Hostname, host)) return true;
            }
            return false;
        }

        private HashSet<string> GatewaysSelectingProxy => _gatewaysSelectingProxy ??= FindGatewaysSelectingProxy();

        private HashSet<string> FindGatewaysSelectingProxy()
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            foreach (var gateway in snapshot.Gateways)
            {
                if (gateway.Selects(_proxy.Labels)) keys.Add(gateway.Key);
            }
            return keys;
        }

        private bool IsVisible(IReadOnlyList<string> exportTo, string ownNamespace) => HostNames.IsExportedTo(exportTo, ownNamespace, _proxy.Namespace);

        private static string GatewayKey(Gateway gateway) => new GatewayModel(gateway).Key;
    }
}
