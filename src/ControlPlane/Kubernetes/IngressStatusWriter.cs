using System.Net;
using k8s;
using k8s.Models;
using Mesh.ControlPlane.Model;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Writes <c>status.loadBalancer.ingress</c> of every Ingress the mesh serves, as Istio's ingress status syncer does:
/// the addresses of meshConfig <c>ingressService</c> in the system namespace (<see cref="Addresses"/>), through the
/// <c>ingresses/status</c> subresource, only where they differ. Ingresses of another class are left as they are (Istio
/// neither writes nor clears them). Istio runs its syncer on the elected leader only; the control plane runs one replica
/// (deploy/base), and a second one would write the same addresses, so the writers agree without an election.
/// </summary>
internal sealed class IngressStatusWriter
{
    private readonly IKubernetes _client;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    // uid/resourceVersion/addresses of each write asked for: a flush before the written version comes back does not write again.
    private readonly HashSet<string> _requested = new(StringComparer.Ordinal);
    private Task _pending = Task.CompletedTask;

    public IngressStatusWriter(IKubernetes client, ILogger logger)
    {
        _client = client;
        _logger = logger;
    }

    /// <summary>How many times the served Ingresses were compared with their status; tests wait on it for a change to be looked at.</summary>
    public int Syncs { get; private set; }

    /// <summary>Completes when the writes asked for so far are done (or failed); for tests and shutdown.</summary>
    public Task Pending
    {
        get
        {
            lock (_gate) return _pending;
        }
    }

    /// <summary>
    /// Istio's addresses for the served Ingresses. With <c>ingressService</c> set: the Service's external name when it
    /// is an ExternalName Service, else its load balancer's IPs (or hostnames) and then its <c>spec.externalIPs</c>; no
    /// Service, or one without either (kind, or minikube without <c>minikube tunnel</c>): none. Only with
    /// <c>ingressService: ""</c>: the ExternalIP addresses of the nodes running the Running gateway pods (label
    /// <c>istio: &lt;selector&gt;</c>) in the system namespace.
    /// </summary>
    public static List<string> Addresses(IngressSettings settings, string systemNamespace, Func<string, string, V1Service?> findService,
        IReadOnlyList<V1Pod> pods, Func<string, V1Node?> findNode)
    {
        var addresses = new List<string>();
        if (settings.IngressService.Length > 0)
        {
            if (findService(systemNamespace, settings.IngressService) is not { } service) return addresses;
            if (service.Spec?.Type == "ExternalName")
            {
                if (service.Spec.ExternalName is { Length: > 0 } name) addresses.Add(name);
                return addresses;
            }
            foreach (var entry in service.Status?.LoadBalancer?.Ingress ?? [])
            {
                var address = string.IsNullOrEmpty(entry.Ip) ? entry.Hostname : entry.Ip;
                if (!string.IsNullOrEmpty(address)) addresses.Add(address);
            }
            foreach (var ip in service.Spec?.ExternalIPs ?? []) if (!string.IsNullOrEmpty(ip)) addresses.Add(ip);
            return addresses;
        }
        var selector = settings.SelectorValue;
        foreach (var pod in pods)
        {
            if (pod.Metadata.NamespaceProperty != systemNamespace || pod.Status?.Phase != "Running") continue;
            if (pod.Metadata.Labels is null || !pod.Metadata.Labels.TryGetValue("istio", out var value) || value != selector) continue;
            if (pod.Spec?.NodeName is not { Length: > 0 } nodeName || findNode(nodeName) is not { } node) continue;
            foreach (var address in node.Status?.Addresses ?? [])
            {
                if (address.Type == "ExternalIP" && address.Address is { Length: > 0 } ip && !addresses.Contains(ip)) addresses.Add(ip);
            }
        }
        return addresses;
    }

    /// <summary>The status entries of those addresses (an IP, else a hostname), in Istio's order: by hostname, then IP.</summary>
    public static List<V1IngressLoadBalancerIngress> ToStatus(List<string> addresses)
    {
        var status = new List<V1IngressLoadBalancerIngress>(addresses.Count);
        foreach (var address in addresses)
        {
            status.Add(IPAddress.TryParse(address, out _) ? new V1IngressLoadBalancerIngress { Ip = address } : new V1IngressLoadBalancerIngress { Hostname = address });
        }
        Sort(status);
        return status;
    }

    /// <summary>Writes the status of each served Ingress whose addresses differ from <paramref name="wanted"/>, in the background.</summary>
    public void Sync(IReadOnlyList<V1Ingress> served, List<V1IngressLoadBalancerIngress> wanted)
    {
        var wantedText = Describe(wanted);
        lock (_gate)
        {
            Syncs++;
            var live = new HashSet<string>(StringComparer.Ordinal);
            foreach (var ingress in served)
            {
                var uid = ingress.Metadata.Uid ?? "";
                live.Add(uid);
                var current = new List<V1IngressLoadBalancerIngress>(ingress.Status?.LoadBalancer?.Ingress ?? []);
                Sort(current);
                if (Describe(current) == wantedText) continue;
                if (!_requested.Add($"{uid}/{ingress.Metadata.ResourceVersion}/{wantedText}")) continue;
                var body = new V1Ingress
                {
                    ApiVersion = "networking.k8s.io/v1",
                    Kind = "Ingress",
                    Metadata = ingress.Metadata,
                    Spec = ingress.Spec,
                    Status = new V1IngressStatus { LoadBalancer = new V1IngressLoadBalancerStatus { Ingress = wanted } },
                };
                _pending = _pending.ContinueWith(_ => WriteAsync(body, wantedText), TaskScheduler.Default).Unwrap();
            }
            _requested.RemoveWhere(key => !live.Contains(key[..Math.Max(0, key.IndexOf('/'))]));
        }
    }

    private async Task WriteAsync(V1Ingress body, string addresses)
    {
        var ingress = $"{body.Metadata.NamespaceProperty}/{body.Metadata.Name}";
        try
        {
            await _client.NetworkingV1.ReplaceNamespacedIngressStatusAsync(body, body.Metadata.Name, body.Metadata.NamespaceProperty);
        }
        catch (Exception ex) when (KubernetesApiError.Is(ex, HttpStatusCode.Conflict) || KubernetesApiError.Is(ex, HttpStatusCode.NotFound))
        {
            // Changed or deleted since it was read: the informer brings the newer version, which is looked at again.
            IngressLog.StatusStale(_logger, ingress, KubernetesApiError.Describe(ex));
        }
        catch (Exception ex)
        {
            IngressLog.StatusFailed(_logger, ingress, addresses, KubernetesApiError.Describe(ex));
        }
    }

    private static void Sort(List<V1IngressLoadBalancerIngress> status) => status.Sort(static (a, b) =>
    {
        var byHostname = string.CompareOrdinal(a.Hostname ?? "", b.Hostname ?? "");
        return byHostname != 0 ? byHostname : string.CompareOrdinal(a.Ip ?? "", b.Ip ?? "");
    });

    private static string Describe(List<V1IngressLoadBalancerIngress> status)
    {
        var parts = new string[status.Count];
        for (var i = 0; i < status.Count; i++) parts[i] = status[i].Ip is { Length: > 0 } ip ? ip : status[i].Hostname ?? "";
        return parts.Length == 0 ? "none" : string.Join(",", parts);
    }
}
