using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// The EndpointSlice controller's part for the kubelet's pods: one slice per Service with a selector, its endpoints
/// the selected pods that have started (ready and serving as their readiness says), its ports the Service's with the
/// target port resolved (a named one from the pod's containers). Written only when it changed; deleted with its Service.
/// </summary>
internal sealed class EndpointSliceWriter(IKubernetes client)
{
    private const string ServiceNameLabel = "kubernetes.io/service-name";
    private readonly Dictionary<string, string> _written = new(StringComparer.Ordinal);

    public static bool Selects(V1Service service, IDictionary<string, string>? labels) =>
        service.Spec.Selector is { Count: > 0 } selector && labels is not null
        && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);

    public async Task SyncAsync(IList<V1Service> services, ICollection<KubeletPod> pods, CancellationToken cancellationToken)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            if (service.Spec.Selector is not { Count: > 0 }) continue;
            var ns = service.Metadata.NamespaceProperty;
            var name = $"{service.Metadata.Name}-kubelet";
            var key = $"{ns}/{name}";
            seen.Add(key);
            var selected = pods.Where(p => p.Namespace == ns && p.Pod is not null && p.Running && Selects(service, p.Labels))
                .OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
            var slice = Build(service, name, selected);
            var json = KubernetesJson.Serialize(slice.Endpoints) + KubernetesJson.Serialize(slice.Ports);
            if (_written.TryGetValue(key, out var written) && written == json) continue;
            await WriteAsync(slice, cancellationToken);
            _written[key] = json;
        }

        foreach (var key in _written.Keys.Where(k => !seen.Contains(k)).ToList())
        {
            var (ns, name) = (key[..key.IndexOf('/')], key[(key.IndexOf('/') + 1)..]);
            try
            {
                await client.DiscoveryV1.DeleteNamespacedEndpointSliceAsync(name, ns, cancellationToken: cancellationToken);
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // Gone with its namespace.
            }

            _written.Remove(key);
        }
    }

    private static V1EndpointSlice Build(V1Service service, string name, List<KubeletPod> pods)
    {
        var endpoints = pods.Select(p => new V1Endpoint
        {
            Addresses = [p.Ip],
            Conditions = new V1EndpointConditions { Ready = p.Ready, Serving = p.Ready, Terminating = false },
            TargetRef = new V1ObjectReference { Kind = "Pod", Name = p.Name, NamespaceProperty = p.Namespace, Uid = p.Pod!.Metadata.Uid },
            NodeName = p.Pod.Spec.NodeName,
        }).ToList();
        var ports = new List<Discoveryv1EndpointPort>();
        foreach (var port in service.Spec.Ports ?? [])
        {
            var target = port.TargetPort ?? (IntOrString)port.Port;
            int? number = null;
            foreach (var pod in pods)
            {
                number = pod.Pod!.Spec.Containers.Select(c => ContainerRun.Port(c, target)).FirstOrDefault(n => n is not null);
                if (number is not null) break;
            }

            number ??= int.TryParse(target.Value, out var literal) ? literal : null;
            if (number is null) continue; // A named port no selected pod declares: the controller leaves it out.
            ports.Add(new Discoveryv1EndpointPort { Name = port.Name ?? "", Port = number, Protocol = port.Protocol ?? "TCP", AppProtocol = port.AppProtocol });
        }

        return new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = service.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>
                {
                    [ServiceNameLabel] = service.Metadata.Name,
                    ["endpointslice.kubernetes.io/managed-by"] = "endpointslice-controller.k8s.io",
                },
                OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Service", Name = service.Metadata.Name, Uid = service.Metadata.Uid, BlockOwnerDeletion = true, Controller = true }],
            },
            AddressType = "IPv4",
            Endpoints = endpoints,
            Ports = ports,
        };
    }

    private async Task WriteAsync(V1EndpointSlice slice, CancellationToken cancellationToken)
    {
        var (ns, name) = (slice.Metadata.NamespaceProperty, slice.Metadata.Name);
        try
        {
            var current = await client.DiscoveryV1.ReadNamespacedEndpointSliceAsync(name, ns, cancellationToken: cancellationToken);
            slice.Metadata.ResourceVersion = current.Metadata.ResourceVersion;
            await client.DiscoveryV1.ReplaceNamespacedEndpointSliceAsync(slice, name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            await client.DiscoveryV1.CreateNamespacedEndpointSliceAsync(slice, ns, cancellationToken: cancellationToken);
        }
    }
}
