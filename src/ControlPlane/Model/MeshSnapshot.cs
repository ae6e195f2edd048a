using Mesh.Injection;
using Mesh.Istio;
using Mesh.Istio.Observability;
using Mesh.Istio.Security;

namespace Mesh.ControlPlane.Model;

/// <summary>The whole mesh as one immutable, indexed value, built once per push and shared by every proxy's translation.</summary>
internal sealed class MeshSnapshot
{
    private readonly Dictionary<string, ServiceModel> _servicesByHost;
    private readonly Dictionary<string, List<VirtualServiceModel>> _virtualServicesByGateway;
    private readonly Dictionary<string, List<VirtualServiceModel>> _meshVirtualServicesByHost;
    private readonly List<(string Host, VirtualServiceModel VirtualService)> _meshWildcardVirtualServices;
    private readonly Dictionary<string, List<DestinationRuleModel>> _destinationRulesByHost;
    private readonly List<DestinationRuleModel> _wildcardDestinationRules;
    private readonly Dictionary<string, List<DestinationRuleModel>> _destinationRulesWithSelectorByNamespace;
    // Several rules of one host and namespace, merged once per snapshot (keyed by their names, in order).
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DestinationRuleModel> _mergedDestinationRules = new(StringComparer.Ordinal);
    private readonly Dictionary<string, WorkloadModel> _workloads;
    private readonly Lazy<Dictionary<string, List<(ServiceModel Service, WorkloadModel Endpoint)>>> _endpointsByName;

    public MeshSnapshot(
        long version,
        IReadOnlyList<ServiceModel> services,
        IReadOnlyList<VirtualServiceModel> virtualServices,
        IReadOnlyList<DestinationRuleModel> destinationRules,
        IReadOnlyList<GatewayModel> gateways,
        IReadOnlyList<WorkloadModel> workloads,
        IReadOnlyList<PeerAuthentication>? peerAuthentications = null,
        IReadOnlyList<AuthorizationPolicy>? authorizationPolicies = null)
    {
        PeerAuthentications = peerAuthentications ?? [];
        AuthorizationPolicies = authorizationPolicies ?? [];
        Version = version;
        Services = services;
        VirtualServices = virtualServices;
        DestinationRules = destinationRules;
        Gateways = gateways;

        _servicesByHost = new(StringComparer.Ordinal);
        foreach (var service in services) _servicesByHost.TryAdd(service.Hostname, service);

        _virtualServicesByGateway = new(StringComparer.Ordinal);
        foreach (var virtualService in virtualServices)
        {
            foreach (var gateway in virtualService.Gateways)
            {
                if (!_virtualServicesByGateway.TryGetValue(gateway, out var list)) _virtualServicesByGateway[gateway] = list = [];
                list.Add(virtualService);
            }
        }

        // Sidecars look a service's VirtualService up once per service: by host, not by a scan of every VirtualService.
        _meshVirtualServicesByHost = new(StringComparer.Ordinal);
        _meshWildcardVirtualServices = [];
        foreach (var virtualService in VirtualServicesFor(HostNames.MeshGateway))
        {
            foreach (var host in virtualService.Hosts)
            {
                if (HostNames.IsWildcard(host))
                {
                    _meshWildcardVirtualServices.Add((host, virtualService));
                    continue;
                }
                if (!_meshVirtualServicesByHost.TryGetValue(host, out var list)) _meshVirtualServicesByHost[host] = list = [];
                if (list.Count == 0 || !ReferenceEquals(list[^1], virtualService)) list.Add(virtualService);
            }
        }

        _destinationRulesByHost = new(StringComparer.Ordinal);
        _wildcardDestinationRules = [];
        _destinationRulesWithSelectorByNamespace = new(StringComparer.Ordinal);
        foreach (var rule in destinationRules)
        {
            if (rule.Spec.WorkloadSelector is not null)
            {
                if (!_destinationRulesWithSelectorByNamespace.TryGetValue(rule.Namespace, out var selecting))
                {
                    _destinationRulesWithSelectorByNamespace[rule.Namespace] = selecting = [];
                }
                selecting.Add(rule);
            }
            if (HostNames.IsWildcard(rule.Host))
            {
                _wildcardDestinationRules.Add(rule);
                continue;
            }
            if (!_destinationRulesByHost.TryGetValue(rule.Host, out var list)) _destinationRulesByHost[rule.Host] = list = [];
            list.Add(rule);
        }

        _workloads = new(StringComparer.Ordinal);
        foreach (var workload in workloads) _workloads.TryAdd(Key(workload.Namespace, workload.Name), workload);
        _endpointsByName = new(IndexEndpointsByName);
    }

    /// <summary>The push version: increases by one per snapshot.</summary>
    public long Version { get; }

    /// <summary>Sorted by host name.</summary>
    public IReadOnlyList<ServiceModel> Services { get; }

    /// <summary>
    /// Sorted by namespace, then name: the order Istio gives equal-time configs, and the order routes merge in. Root
    /// VirtualServices have their delegates merged in; delegates themselves (no hosts) are not listed.
    /// </summary>
    public IReadOnlyList<VirtualServiceModel> VirtualServices { get; }

    public IReadOnlyList<DestinationRuleModel> DestinationRules { get; }

    /// <summary>Sorted by namespace, then name.</summary>
    public IReadOnlyList<GatewayModel> Gateways { get; }

    /// <summary>Sorted by namespace, then name (Istio breaks ties between equal policies by age; we use name order).</summary>
    public IReadOnlyList<PeerAuthentication> PeerAuthentications { get; }

    /// <summary>Sorted by namespace, then name: the order their JWT rules are merged in.</summary>
    public IReadOnlyList<RequestAuthentication> RequestAuthentications { get; init; } = [];

    /// <summary>The Telemetry resources, by namespace and name (the order in which Istio's lookup takes the first of a level).</summary>
    public IReadOnlyList<Telemetry> Telemetries { get; init; } = [];

    /// <summary>
    /// The key sets the control plane fetched for RequestAuthentication jwksUri values, by URI. A URI with no entry
    /// (not fetched yet, or its fetch failed) gets a key set that verifies nothing: tokens of its issuer fail closed.
    /// </summary>
    public IReadOnlyDictionary<string, string> JwksByUri { get; init; } = new Dictionary<string, string>();

    /// <summary>Sorted by namespace, then name: the order a proxy evaluates them in, and the first denying one names the denial.</summary>
    public IReadOnlyList<AuthorizationPolicy> AuthorizationPolicies { get; }

    /// <summary>The Sidecar resources, and which one applies to a proxy.</summary>
    public SidecarIndex Sidecars { get; init; } = SidecarIndex.Empty;

    /// <summary>The ProxyConfig resources, which the injection webhook applies to the pods it injects; no proxy receives them.</summary>
    public ProxyConfigSet ProxyConfigs { get; init; } = ProxyConfigSet.Empty;

    /// <summary>The mesh config's fields translation reads (outboundTrafficPolicy).</summary>
    public MeshSettings Mesh { get; init; } = MeshSettings.Default;

    /// <summary>The folder under which a Gateway's credentialName names credentials/&lt;name&gt;/ (local mode); empty: relative paths.</summary>
    public string CredentialRoot { get; init; } = "";

    /// <summary>
    /// Gateway TLS credentials from Kubernetes Secrets, by <c>namespace/name</c>: on a cluster a credentialName names
    /// the Secret of that name in the gateway proxy's namespace. Null in local mode (<see cref="CredentialRoot"/> instead).
    /// </summary>
    public IReadOnlyDictionary<string, TlsCredentialModel>? Credentials { get; init; }

    /// <summary>Every resource the snapshot was built from, by key (the first, when two declare the same key).</summary>
    public IReadOnlyDictionary<ConfigKey, IstioResource> ResourcesByKey { get; init; } = new Dictionary<ConfigKey, IstioResource>();

    /// <summary>What VirtualService delegation dropped and why: a missing or hidden delegate, a delegate route conflicting with its root.</summary>
    public IReadOnlyList<ConfigError> DelegationProblems { get; init; } = [];

    public IstioResource? FindResource(ConfigKey key) => ResourcesByKey.GetValueOrDefault(key);

    public ServiceModel? FindService(string hostname) => _servicesByHost.GetValueOrDefault(hostname);

    /// <summary>The service of a host as a proxy in <paramref name="proxyNamespace"/> sees it: null unless exported there.</summary>
    public ServiceModel? FindVisibleService(string hostname, string proxyNamespace) =>
        FindService(hostname) is { } service && HostNames.IsExportedTo(service.ExportTo, service.Namespace, proxyNamespace) ? service : null;

    /// <summary>
    /// The Kubernetes Services of the platform registry, by key (<c>Service ns/name</c>), as the snapshot serves them
    /// (a Service owns its host, so each is also in <see cref="Services"/>).
    /// </summary>
    public IReadOnlyDictionary<ConfigKey, ServiceModel> PlatformServices { get; init; } = new Dictionary<ConfigKey, ServiceModel>();

    /// <summary>
    /// The services' endpoints named <paramref name="ns"/>/<paramref name="name"/>, in service order, then each
    /// service's endpoint order: a sidecar finds the services it serves without scanning every endpoint of the mesh.
    /// </summary>
    public IReadOnlyList<(ServiceModel Service, WorkloadModel Endpoint)> EndpointsNamed(string ns, string name) =>
        _endpointsByName.Value.TryGetValue(Key(ns, name), out var endpoints) ? endpoints : [];

    private Dictionary<string, List<(ServiceModel Service, WorkloadModel Endpoint)>> IndexEndpointsByName()
    {
        var index = new Dictionary<string, List<(ServiceModel, WorkloadModel)>>(StringComparer.Ordinal);
        foreach (var service in Services)
        {
            foreach (var endpoint in service.Workloads)
            {
                var key = Key(endpoint.Namespace, endpoint.Name);
                if (!index.TryGetValue(key, out var list)) index.Add(key, list = []);
                list.Add((service, endpoint));
            }
        }
        return index;
    }

    /// <summary>A workload by namespace and name: its WorkloadEntry, else its Pod (the workload a sidecar runs for).</summary>
    public WorkloadModel? FindWorkloadEntry(string ns, string name) => _workloads.GetValueOrDefault(Key(ns, name));

    /// <summary>
    /// The ServiceEntries whose workloadSelector selects a workload (a WorkloadEntry or Pod), by <c>ns/name</c>: a change
    /// of the workload changes their endpoints. (A Kubernetes Service's endpoints change its own key.)
    /// </summary>
    public IReadOnlyDictionary<string, IReadOnlyList<ServiceModel>> SelectingServices { get; init; } = new Dictionary<string, IReadOnlyList<ServiceModel>>();

    /// <inheritdoc cref="SelectingServices"/>
    public IReadOnlyList<ServiceModel> ServicesSelecting(string ns, string name) => SelectingServices.GetValueOrDefault(Key(ns, name)) ?? [];

    /// <summary>The VirtualServices bound to a gateway (<c>ns/name</c>) or to <c>mesh</c>, in snapshot order.</summary>
    public IReadOnlyList<VirtualServiceModel> VirtualServicesFor(string gateway) =>
        _virtualServicesByGateway.TryGetValue(gateway, out var list) ? list : [];

    /// <summary>The VirtualServices bound to <c>mesh</c> that name <paramref name="host"/> exactly, in snapshot order.</summary>
    public IReadOnlyList<VirtualServiceModel> MeshVirtualServicesNaming(string host) =>
        _meshVirtualServicesByHost.TryGetValue(host, out var list) ? list : [];

    /// <summary>The wildcard hosts of the VirtualServices bound to <c>mesh</c>, each with its VirtualService, in snapshot order.</summary>
    public IReadOnlyList<(string Host, VirtualServiceModel VirtualService)> MeshWildcardVirtualServices => _meshWildcardVirtualServices;

    /// <summary>
    /// The DestinationRules with a <c>workloadSelector</c> that select a proxy: those of its own namespace whose labels
    /// it carries (none, the common case, without allocating).
    /// </summary>
    public IReadOnlyList<DestinationRuleModel> DestinationRulesSelecting(string proxyNamespace, IReadOnlyDictionary<string, string> proxyLabels)
    {
        if (!_destinationRulesWithSelectorByNamespace.TryGetValue(proxyNamespace, out var rules)) return [];
        List<DestinationRuleModel>? selecting = null;
        foreach (var rule in rules)
        {
            if (DestinationRuleModel.SelectsProxy(rule.Resource, proxyNamespace, proxyLabels)) (selecting ??= []).Add(rule);
        }
        return selecting ?? (IReadOnlyList<DestinationRuleModel>)[];
    }

    /// <summary>
    /// The DestinationRule that applies to a service host for a proxy, as Istio's lookup finds it: in the proxy's
    /// namespace, else the service's, else the root namespace (istio-system), the first that has a rule for the host
    /// exported to the proxy's namespace (a rule elsewhere applies to its own namespace's proxies only). In a namespace,
    /// an exact host before the most specific wildcard; for that host, a rule whose workloadSelector selects the proxy
    /// (<paramref name="selecting"/>, from <see cref="DestinationRulesSelecting"/>) before one without. Several rules of
    /// one host and namespace merge (<see cref="DestinationRuleModel.Merge"/>): those without a selector, or those with
    /// equal selectors.
    /// </summary>
    /// <remarks>
    /// A rule whose selector does not select the proxy is as if absent, so the lookup goes on. Istio's stops at the
    /// proxy's namespace when that holds any rule for the host, and such a proxy then gets no rule at all: reported as a
    /// bug (istio/istio#57719), while Istio documents a selector as narrowing where a rule applies, not as hiding others.
    /// </remarks>
    public DestinationRuleModel? FindDestinationRule(string hostname, string proxyNamespace, string serviceNamespace,
        IReadOnlyList<DestinationRuleModel> selecting)
    {
        _destinationRulesByHost.TryGetValue(hostname, out var exact);
        return FindInNamespace(proxyNamespace, hostname, exact, proxyNamespace, selecting)
            ?? (serviceNamespace == proxyNamespace ? null : FindInNamespace(serviceNamespace, hostname, exact, proxyNamespace, selecting))
            ?? (MeshSettings.RootNamespace == proxyNamespace || MeshSettings.RootNamespace == serviceNamespace
                ? null
                : FindInNamespace(MeshSettings.RootNamespace, hostname, exact, proxyNamespace, selecting));
    }

    private DestinationRuleModel? FindInNamespace(string ns, string hostname, List<DestinationRuleModel>? exact, string proxyNamespace,
        IReadOnlyList<DestinationRuleModel> selecting)
    {
        if (exact is not null && Pick(exact, ns, hostname, proxyNamespace, selecting) is { } rule) return rule;
        string? mostSpecific = null;
        foreach (var wildcard in _wildcardDestinationRules)
        {
            if (wildcard.Namespace != ns || !HostNames.IsSubsetOf(hostname, wildcard.Host) || !Applies(wildcard, proxyNamespace, selecting)) continue;
            if (mostSpecific is null || wildcard.Host.Length > mostSpecific.Length) mostSpecific = wildcard.Host;
        }
        return mostSpecific is null ? null : Pick(_wildcardDestinationRules, ns, mostSpecific, proxyNamespace, selecting);
    }

    /// <summary>
    /// The rules of <paramref name="ns"/> for <paramref name="host"/> that apply to the proxy: the first that selects it,
    /// else the first without a selector, merged with the later ones Istio merges with it.
    /// </summary>
    private DestinationRuleModel? Pick(List<DestinationRuleModel> rules, string ns, string host, string proxyNamespace,
        IReadOnlyList<DestinationRuleModel> selecting)
    {
        DestinationRuleModel? selected = null, catchAll = null;
        foreach (var rule in rules)
        {
            if (rule.Namespace != ns || rule.Host != host || !Applies(rule, proxyNamespace, selecting)) continue;
            if (rule.Spec.WorkloadSelector is null) catchAll ??= rule;
            else selected ??= rule;
        }
        var chosen = selected ?? catchAll;
        if (chosen is null) return null;
        List<DestinationRuleModel>? merged = null;
        foreach (var rule in rules)
        {
            if (ReferenceEquals(rule, chosen) || rule.Namespace != ns || rule.Host != host || !Applies(rule, proxyNamespace, selecting)) continue;
            if (DestinationRuleModel.SameSelector(rule, chosen)) (merged ??= [chosen]).Add(rule);
        }
        return merged is null ? chosen : _mergedDestinationRules.GetOrAdd(MergeKey(merged), static (_, group) => DestinationRuleModel.Merge(group), merged);
    }

    private static string MergeKey(List<DestinationRuleModel> rules)
    {
        var key = new System.Text.StringBuilder();
        foreach (var rule in rules) key.Append(rule.Namespace).Append('/').Append(rule.Resource.Metadata.Name).Append(' ');
        return key.ToString();
    }

    /// <summary>A rule with a selector applies only where it selects the proxy; one without, where it is exported.</summary>
    private static bool Applies(DestinationRuleModel rule, string proxyNamespace, IReadOnlyList<DestinationRuleModel> selecting)
    {
        if (rule.Spec.WorkloadSelector is null) return IsVisible(rule, proxyNamespace);
        foreach (var selected in selecting)
        {
            if (ReferenceEquals(selected, rule)) return true;
        }
        return false;
    }

    private static bool IsVisible(DestinationRuleModel rule, string proxyNamespace) =>
        HostNames.IsExportedTo(rule.Spec.ExportTo, rule.Namespace, proxyNamespace);

    private static string Key(string ns, string name) => ns + "/" + name;
}
