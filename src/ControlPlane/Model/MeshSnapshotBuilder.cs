using Mesh.Injection;
using Mesh.Istio;
using Mesh.Istio.Analysis;
using Mesh.Istio.Networking;
using Mesh.Istio.Observability;
using Mesh.Istio.Security;

namespace Mesh.ControlPlane.Model;

/// <summary>
/// Builds the mesh snapshot from validated Istio resources and the platform's registry: the services (ServiceEntries
/// and Kubernetes Services), the workloads (WorkloadEntries and Pods), resolved names, and indexes.
/// </summary>
internal static class MeshSnapshotBuilder
{
    /// <param name="jwksByUri">Key sets fetched for RequestAuthentication jwksUri values (see <see cref="MeshSnapshot.JwksByUri"/>).</param>
    /// <param name="registry">The services and pods a platform registers (<see cref="Sources.ConfigState.Registry"/>); none for a folder.</param>
    /// <param name="mesh">The mesh config's fields translation reads; null: Istio's defaults.</param>
    /// <param name="credentials">Gateway credentials from Kubernetes Secrets (see <see cref="MeshSnapshot.Credentials"/>); null: local mode's folder.</param>
    public static MeshSnapshot Build(long version, IReadOnlyList<IstioResource> resources, string credentialRoot = "",
        IReadOnlyDictionary<string, string>? jwksByUri = null, PlatformRegistry? registry = null, MeshSettings? mesh = null,
        IReadOnlyDictionary<string, TlsCredentialModel>? credentials = null)
    {
        registry ??= PlatformRegistry.Empty;
        // A resource defined twice is served once, by the rule the analyzer reports it with (MESH0002).
        var ordered = ServedResources.Select(resources);
        // Stable order whatever order files were read in, so equal config always gives equal output.
        ordered.Sort(static (a, b) => CompareByNamespaceAndName(a, b));

        var workloadEntries = new List<WorkloadModel>();
        foreach (var resource in ordered)
        {
            if (resource is WorkloadEntry entry)
            {
                workloadEntries.Add(ToWorkload(entry.Metadata.Name, entry.Metadata.Namespace, entry.Spec, entry.Source.File));
            }
        }
        // Istio: a ServiceEntry's workloadSelector selects WorkloadEntries and Pods alike; and a proxy finds its own
        // workload by namespace and name among both, a WorkloadEntry before a Pod of the same name.
        var workloads = new List<WorkloadModel>(workloadEntries.Count + registry.Workloads.Count);
        workloads.AddRange(workloadEntries);
        workloads.AddRange(registry.Workloads);
        var platformHosts = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in registry.Services) platformHosts.Add(service.Hostname);
        // A ServiceEntry selects among its own namespace's workloads only: grouped once, not scanned whole per entry
        // (a million comparisons a snapshot at 1,000 services).
        var workloadsByNamespace = new Dictionary<string, List<WorkloadModel>>(StringComparer.Ordinal);
        foreach (var workload in workloads)
        {
            if (!workloadsByNamespace.TryGetValue(workload.Namespace, out var inNamespace))
            {
                workloadsByNamespace.Add(workload.Namespace, inNamespace = []);
            }
            inNamespace.Add(workload);
        }

        var services = new List<ServiceModel>();
        var selecting = new Dictionary<string, IReadOnlyList<ServiceModel>>(StringComparer.Ordinal);
        var virtualServiceResources = new List<VirtualService>();
        var destinationRules = new List<DestinationRuleModel>();
        var gateways = new List<GatewayModel>();
        var peerAuthentications = new List<PeerAuthentication>();
        var requestAuthentications = new List<RequestAuthentication>();
        var authorizationPolicies = new List<AuthorizationPolicy>();
        var sidecars = new List<SidecarModel>();
        var telemetries = new List<Telemetry>();
        var proxyConfigs = new List<ProxyConfig>();
        foreach (var resource in ordered)
        {
            switch (resource)
            {
                case ServiceEntry serviceEntry:
                    AddServices(serviceEntry, workloadsByNamespace, platformHosts, services, selecting);
                    break;
                case VirtualService virtualService:
                    virtualServiceResources.Add(virtualService);
                    break;
                case DestinationRule destinationRule:
                    destinationRules.Add(new DestinationRuleModel(destinationRule, HostNames.Resolve(destinationRule.Spec.Host, destinationRule.Metadata.Namespace)));
                    break;
                case Gateway gateway:
                    gateways.Add(new GatewayModel(gateway));
                    break;
                case PeerAuthentication peerAuthentication:
                    peerAuthentications.Add(peerAuthentication);
                    break;
                case RequestAuthentication requestAuthentication:
                    requestAuthentications.Add(requestAuthentication);
                    break;
                case AuthorizationPolicy authorizationPolicy:
                    authorizationPolicies.Add(authorizationPolicy);
                    break;
                case Sidecar sidecar:
                    sidecars.Add(new SidecarModel(sidecar));
                    break;
                case Telemetry telemetry:
                    telemetries.Add(telemetry);
                    break;
                case ProxyConfig proxyConfig:
                    proxyConfigs.Add(proxyConfig);
                    break;
            }
        }
        services.AddRange(registry.Services);
        services.Sort(static (a, b) =>
        {
            var byHost = string.CompareOrdinal(a.Hostname, b.Hostname);
            return byHost != 0 ? byHost : string.CompareOrdinal(a.Namespace, b.Namespace);
        });
        var delegationProblems = new List<ConfigError>();
        var virtualServices = new List<VirtualServiceModel>(virtualServiceResources.Count);
        foreach (var virtualService in VirtualServiceDelegation.Merge(virtualServiceResources, delegationProblems)) virtualServices.Add(ToModel(virtualService));
        var byKey = new Dictionary<ConfigKey, IstioResource>(ordered.Count);
        foreach (var resource in ordered) byKey.TryAdd(resource.Key, resource);
        var platformServices = new Dictionary<ConfigKey, ServiceModel>(registry.Services.Count);
        foreach (var service in registry.Services) platformServices.TryAdd(new ConfigKey(PlatformRegistry.ServiceKind, service.Namespace, service.ServiceEntryName), service);
        return new MeshSnapshot(version, DistinctHosts(services), virtualServices, destinationRules, gateways, workloads, peerAuthentications, authorizationPolicies)
        {
            PlatformServices = platformServices,
            SelectingServices = selecting,
            CredentialRoot = credentialRoot,
            Credentials = credentials,
            ResourcesByKey = byKey,
            DelegationProblems = delegationProblems,
            RequestAuthentications = requestAuthentications,
            Telemetries = telemetries,
            Sidecars = new SidecarIndex(sidecars),
            ProxyConfigs = proxyConfigs.Count == 0 ? ProxyConfigSet.Empty : new ProxyConfigSet(proxyConfigs, MeshSettings.RootNamespace),
            JwksByUri = jwksByUri ?? new Dictionary<string, string>(),
            Mesh = mesh ?? MeshSettings.Default,
        };
    }

    /// <summary>One service per host: when ServiceEntries in several namespaces declare a host, the first namespace's wins.</summary>
    private static List<ServiceModel> DistinctHosts(List<ServiceModel> sorted)
    {
        var distinct = new List<ServiceModel>(sorted.Count);
        foreach (var service in sorted)
        {
            if (distinct.Count == 0 || distinct[^1].Hostname != service.Hostname) distinct.Add(service);
        }
        return distinct;
    }

    private static void AddServices(ServiceEntry serviceEntry, Dictionary<string, List<WorkloadModel>> workloadsByNamespace, HashSet<string> platformHosts, List<ServiceModel> services,
        Dictionary<string, IReadOnlyList<ServiceModel>> selecting)
    {
        var ns = serviceEntry.Metadata.Namespace;
        var spec = serviceEntry.Spec;
        var ports = new List<ServicePortModel>(spec.Ports.Count);
        foreach (var port in spec.Ports)
        {
            ports.Add(new ServicePortModel(port.Name, port.Number ?? 0, (port.Protocol ?? "").ToUpperInvariant(), port.TargetPort));
        }

        var workloads = new List<WorkloadModel>();
        if (spec.WorkloadSelector is { } selector)
        {
            // Istio: a ServiceEntry's workloadSelector selects WorkloadEntries and Pods of its own namespace only.
            if (workloadsByNamespace.TryGetValue(ns, out var candidates))
            {
                foreach (var workload in candidates)
                {
                    if (workload.HasLabels(selector.Labels)) workloads.Add(workload);
                }
            }
        }
        else
        {
            for (var i = 0; i < spec.Endpoints.Count; i++)
            {
                workloads.Add(ToWorkload($"{serviceEntry.Metadata.Name}[{i}]", ns, spec.Endpoints[i], serviceEntry.Source.File) with { IsInlineEndpoint = true });
            }
        }

        foreach (var host in spec.Hosts)
        {
            // Istio: a Kubernetes Service owns its host; a ServiceEntry cannot take it over ("domain squatting").
            if (platformHosts.Contains(host.ToLowerInvariant())) continue;
            // ServiceEntry hosts are taken as written (Istio does not expand them with the namespace).
            var service = new ServiceModel(
                host.ToLowerInvariant(),
                ns,
                serviceEntry.Metadata.Name,
                ports,
                spec.Resolution ?? ServiceEntryResolution.None,
                spec.Location ?? ServiceEntryLocation.MeshExternal,
                spec.ExportTo,
                workloads)
            {
                Addresses = spec.Addresses,
                SubjectAltNames = spec.SubjectAltNames,
            };
            services.Add(service);
            if (spec.WorkloadSelector is null) continue;
            foreach (var workload in workloads)
            {
                var key = workload.Namespace + "/" + workload.Name;
                selecting[key] = selecting.TryGetValue(key, out var list) ? [.. list, service] : [service];
            }
        }
    }

    private static VirtualServiceModel ToModel(VirtualService virtualService)
    {
        var ns = virtualService.Metadata.Namespace;
        var hosts = new List<string>(virtualService.Spec.Hosts.Count);
        foreach (var host in virtualService.Spec.Hosts) hosts.Add(HostNames.Resolve(host, ns));
        return new VirtualServiceModel(virtualService, hosts, GatewaysOf(virtualService));
    }

    /// <summary>The gateways a VirtualService binds to, resolved to <c>ns/name</c> or <c>mesh</c>.</summary>
    public static IReadOnlyList<string> GatewaysOf(VirtualService virtualService)
    {
        var gateways = new List<string>(Math.Max(1, virtualService.Spec.Gateways.Count));
        foreach (var gateway in virtualService.Spec.Gateways) gateways.Add(HostNames.ResolveGateway(gateway, virtualService.Metadata.Namespace));
        // Istio: a VirtualService that names no gateway applies to sidecars only.
        if (gateways.Count == 0) gateways.Add(HostNames.MeshGateway);
        return gateways;
    }

    private static WorkloadModel ToWorkload(string name, string ns, WorkloadEntrySpec spec, string sourceFile) => new(
        name,
        ns,
        spec.Address ?? "",
        spec.Ports,
        spec.Labels,
        spec.ServiceAccount ?? "default",
        spec.Weight is > 0 and var weight ? weight : 1,
        sourceFile,
        Locality: spec.Locality ?? "");

    private static int CompareByNamespaceAndName(IstioResource a, IstioResource b)
    {
        var byNamespace = string.CompareOrdinal(a.Metadata.Namespace, b.Metadata.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name);
    }
}
