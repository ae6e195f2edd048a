using k8s.Models;
using Mesh.ControlPlane.Model;
using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Istio's Kubernetes service registry as a pure function: Services with their EndpointSlices become services (host
/// <c>name.namespace.svc.&lt;domain&gt;</c>), Pods become workloads, each keyed and hashed so a change pushes only to
/// the proxies it can affect. The rules, and where they follow Istio, are in docs/kubernetes.md.
/// </summary>
internal static class KubernetesRegistry
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ExportToAnnotation = "networking.istio.io/exportTo";

    public static PlatformRegistry Build(KubernetesObjects objects, string domainSuffix)
    {
        var nodes = new Dictionary<string, V1Node>(StringComparer.Ordinal);
        foreach (var node in objects.Nodes)
        {
            if (node.Metadata?.Name is { } name) nodes.TryAdd(name, node);
        }
        var podsByName = new Dictionary<string, V1Pod>(StringComparer.Ordinal);
        var podsByAddress = new Dictionary<string, V1Pod>(StringComparer.Ordinal);
        var workloads = new List<WorkloadModel>();
        foreach (var pod in objects.Pods)
        {
            if (pod.Metadata?.Name is null || !PodWorkloads.IsLive(pod)) continue;
            podsByName.TryAdd(Key(pod.Metadata.NamespaceProperty, pod.Metadata.Name), pod);
            podsByAddress.TryAdd(pod.Status.PodIP, pod);
            workloads.Add(PodWorkloads.ToWorkload(pod, nodes));
        }
        workloads.Sort(static (a, b) => CompareByNamespaceAndName(a.Namespace, a.Name, b.Namespace, b.Name));

        var slicesByService = new Dictionary<string, List<V1EndpointSlice>>(StringComparer.Ordinal);
        foreach (var slice in objects.EndpointSlices)
        {
            if (slice.Metadata?.Labels is not { } labels || !labels.TryGetValue(ServiceNameLabel, out var serviceName)) continue;
            var key = Key(slice.Metadata.NamespaceProperty, serviceName);
            if (!slicesByService.TryGetValue(key, out var list)) slicesByService[key] = list = [];
            list.Add(slice);
        }

        var services = new List<ServiceModel>(objects.Services.Count);
        var keys = new Dictionary<ConfigKey, string>();
        var endpoints = new EndpointBuilder(podsByName, podsByAddress, nodes);
        foreach (var service in objects.Services)
        {
            if (service.Metadata?.Name is not { } name || service.Metadata.NamespaceProperty is not { } ns) continue;
            var slices = slicesByService.GetValueOrDefault(Key(ns, name)) ?? [];
            var model = ToService(service, name, ns, slices, domainSuffix, endpoints);
            services.Add(model);
            keys[new ConfigKey(PlatformRegistry.ServiceKind, ns, name)] = RegistryHash.Of(model);
        }
        services.Sort(static (a, b) => string.CompareOrdinal(a.Hostname, b.Hostname));
        foreach (var workload in workloads)
        {
            keys[new ConfigKey(PlatformRegistry.PodKind, workload.Namespace, workload.Name)] = RegistryHash.Of(workload);
        }
        return new PlatformRegistry(services, workloads, keys);
    }

    /// <summary>The keys added, removed, or whose content changed between two registries.</summary>
    public static IReadOnlySet<ConfigKey> ChangedKeys(PlatformRegistry before, PlatformRegistry after)
    {
        var changed = new HashSet<ConfigKey>();
        foreach (var (key, hash) in after.Keys)
        {
            if (!before.Keys.TryGetValue(key, out var old) || old != hash) changed.Add(key);
        }
        foreach (var key in before.Keys.Keys)
        {
            if (!after.Keys.ContainsKey(key)) changed.Add(key);
        }
        return changed;
    }

    private static ServiceModel ToService(V1Service service, string name, string ns, List<V1EndpointSlice> slices, string domainSuffix, EndpointBuilder endpoints)
    {
        var spec = service.Spec ?? new V1ServiceSpec();
        var ports = new List<ServicePortModel>(spec.Ports?.Count ?? 0);
        foreach (var port in spec.Ports ?? [])
        {
            var protocol = ServicePortProtocol.Select(port.Port, port.Name, port.Protocol, port.AppProtocol);
            // Istio builds no listener or cluster for a UDP port: the sidecar does not proxy UDP.
            if (protocol == ServicePortProtocol.Udp || port.Port <= 0) continue;
            ports.Add(new ServicePortModel(port.Name ?? "", (uint)port.Port, protocol, NumericTargetPort(port)) { TargetPortName = NamedTargetPort(port) });
        }

        ServiceEntryResolution resolution;
        ServiceEntryLocation location = ServiceEntryLocation.MeshInternal;
        IReadOnlyList<WorkloadModel> workloads;
        if (spec.Type == "ExternalName" && !string.IsNullOrEmpty(spec.ExternalName))
        {
            // Istio's conversion: a DNS service outside the mesh whose one endpoint is the external name, on every port.
            resolution = ServiceEntryResolution.Dns;
            location = ServiceEntryLocation.MeshExternal;
            workloads = [ExternalNameEndpoint(service, ns, spec.ExternalName, ports)];
        }
        else
        {
            // Headless: Istio's passthrough (the original destination). The pods' addresses are still the endpoints.
            resolution = spec.ClusterIP == "None" ? ServiceEntryResolution.None : ServiceEntryResolution.Static;
            workloads = endpoints.For(ns, slices);
        }

        return new ServiceModel(
            $"{name}.{ns}.svc.{domainSuffix}",
            ns,
            name,
            ports,
            resolution,
            location,
            ExportTo(service.Metadata.Annotations),
            workloads)
        {
            Addresses = ClusterIps(spec),
            Selector = spec.Selector is { Count: > 0 } selector ? new Dictionary<string, string>(selector, StringComparer.Ordinal) : new Dictionary<string, string>(),
            CreationTime = service.Metadata.CreationTimestamp,
        };
    }

    /// <summary>A Service's cluster IPs (both families of a dual-stack one); none for a headless or ExternalName Service.</summary>
    private static IReadOnlyList<string> ClusterIps(V1ServiceSpec spec)
    {
        if (spec.Type == "ExternalName") return [];
        var addresses = new List<string>(2);
        foreach (var address in spec.ClusterIPs is { Count: > 0 } both ? both : spec.ClusterIP is { } one ? [one] : [])
        {
            if (address is { Length: > 0 } and not "None" && !addresses.Contains(address)) addresses.Add(address);
        }
        return addresses;
    }

    /// <summary>A named targetPort is resolved per endpoint, by the EndpointSlice's port of the same name as the service port.</summary>
    private static uint? NumericTargetPort(V1ServicePort port)
    {
        var value = port.TargetPort?.Value;
        return uint.TryParse(value, out var number) && number > 0 ? number : null;
    }

    private static string NamedTargetPort(V1ServicePort port) =>
        port.TargetPort?.Value is { Length: > 0 } value && !uint.TryParse(value, out _) ? value : "";

    private static WorkloadModel ExternalNameEndpoint(V1Service service, string ns, string externalName, List<ServicePortModel> ports)
    {
        var endpointPorts = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var port in ports) endpointPorts.TryAdd(port.Name, port.Number);
        var labels = service.Metadata.Labels is { } own ? new Dictionary<string, string>(own, StringComparer.Ordinal) : new Dictionary<string, string>();
        return new WorkloadModel(externalName, ns, externalName, endpointPorts, labels, "", 1, "", IsInlineEndpoint: true);
    }

    /// <summary><c>networking.istio.io/exportTo</c>: a comma-separated list of namespaces, "." or "*"; absent, everywhere.</summary>
    private static IReadOnlyList<string> ExportTo(IDictionary<string, string>? annotations)
    {
        if (annotations?.TryGetValue(ExportToAnnotation, out var value) != true || string.IsNullOrWhiteSpace(value)) return [];
        var exportTo = new List<string>();
        foreach (var part in value.Split(','))
        {
            var target = part.Trim();
            if (target.Length > 0 && !exportTo.Contains(target)) exportTo.Add(target);
        }
        return exportTo;
    }

    private static string Key(string? ns, string name) => ns + "/" + name;

    private static int CompareByNamespaceAndName(string ns1, string name1, string ns2, string name2)
    {
        var byNamespace = string.CompareOrdinal(ns1, ns2);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(name1, name2);
    }
}
