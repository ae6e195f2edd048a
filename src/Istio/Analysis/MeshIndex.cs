using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>The served resources the cross-resource checks look things up in: services by host, rules, gateways, workloads.</summary>
internal sealed class MeshIndex
{
    private readonly List<(string Host, ServiceEntry Entry)> _serviceHosts = [];
    private readonly List<WorkloadEntry> _workloadEntries = [];
    private readonly IReadOnlySet<string> _platformHosts;

    /// <param name="platformHosts">Hosts a platform registers beside the ServiceEntries (a cluster's Services), lower case.</param>
    public MeshIndex(IReadOnlyList<IstioResource> resources, IReadOnlySet<string> platformHosts)
    {
        _platformHosts = platformHosts;
        foreach (var resource in resources)
        {
            switch (resource)
            {
                case ServiceEntry entry:
                    // ServiceEntry hosts are taken as written, as the model takes them.
                    foreach (var host in entry.Spec.Hosts) _serviceHosts.Add((host.ToLowerInvariant(), entry));
                    break;
                case WorkloadEntry workload:
                    _workloadEntries.Add(workload);
                    break;
                case Sidecar sidecar:
                    Sidecars.Add(sidecar);
                    break;
                case ProxyConfig proxyConfig:
                    ProxyConfigs.Add(proxyConfig);
                    break;
                case DestinationRule rule:
                    DestinationRules.Add((HostNameRules.Resolve(rule.Spec.Host, rule.Metadata.Namespace), rule));
                    break;
                case Gateway gateway:
                    Gateways[$"{gateway.Metadata.Namespace}/{gateway.Metadata.Name}"] = gateway;
                    break;
                case VirtualService virtualService:
                    VirtualServices.Add(virtualService);
                    break;
            }
        }
    }

    public List<(string Host, DestinationRule Rule)> DestinationRules { get; } = [];

    public Dictionary<string, Gateway> Gateways { get; } = new(StringComparer.Ordinal);

    public List<VirtualService> VirtualServices { get; } = [];

    public List<Sidecar> Sidecars { get; } = [];

    public List<ProxyConfig> ProxyConfigs { get; } = [];

    public IReadOnlyList<WorkloadEntry> WorkloadEntries => _workloadEntries;

    /// <summary>Whether a ServiceEntry or a platform Service declares <paramref name="fqdn"/>.</summary>
    public bool Declares(string fqdn) => _platformHosts.Contains(fqdn) || FindService(fqdn) is not null;

    /// <summary>The ServiceEntry declaring <paramref name="fqdn"/> (exactly, or by a wildcard host covering it); null when none does.</summary>
    public ServiceEntry? FindService(string fqdn)
    {
        foreach (var (host, entry) in _serviceHosts)
        {
            if (host == fqdn || (HostNameRules.IsWildcard(host) && HostNameRules.IsSubsetOf(fqdn, host))) return entry;
        }

        return null;
    }

    /// <summary>Whether a DestinationRule for <paramref name="fqdn"/> (exact or wildcard) defines the subset.</summary>
    public bool HasSubset(string fqdn, string subset)
    {
        foreach (var (host, rule) in DestinationRules)
        {
            if (host != fqdn && !(HostNameRules.IsWildcard(host) && HostNameRules.IsSubsetOf(fqdn, host))) continue;
            foreach (var candidate in rule.Spec.Subsets)
            {
                if (candidate.Name == subset) return true;
            }
        }

        return false;
    }

    /// <summary>The label sets of the workloads behind a ServiceEntry: its inline endpoints, or the WorkloadEntries it selects in its namespace.</summary>
    public List<IReadOnlyDictionary<string, string>> WorkloadLabels(ServiceEntry entry)
    {
        var labels = new List<IReadOnlyDictionary<string, string>>();
        if (entry.Spec.WorkloadSelector is { } selector)
        {
            foreach (var workload in _workloadEntries)
            {
                if (workload.Metadata.Namespace == entry.Metadata.Namespace && HasLabels(workload.Spec.Labels, selector.Labels)) labels.Add(workload.Spec.Labels);
            }
        }
        else
        {
            foreach (var endpoint in entry.Spec.Endpoints) labels.Add(endpoint.Labels);
        }

        return labels;
    }

    /// <summary>Istio's label subset test: every selector label is present with the same value.</summary>
    public static bool HasLabels(IReadOnlyDictionary<string, string> labels, IReadOnlyDictionary<string, string> selector) =>
        LabelSelector.Includes(labels, selector);
}
