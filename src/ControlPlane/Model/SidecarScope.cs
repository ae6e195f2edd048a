using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Model;

/// <summary>
/// What a Sidecar lets the proxies of one namespace see (Istio's SidecarScope): the services and service ports its
/// egress listeners import, the mesh VirtualServices they import (by the VirtualService's namespace and hosts), and the
/// services those VirtualServices route or mirror to, which Istio imports too so that every route has its cluster.
/// Built once per Sidecar and namespace per snapshot (<see cref="SidecarIndex"/>), then only read.
/// </summary>
internal sealed class SidecarScope
{
    private static readonly IReadOnlyList<EgressListenerModel> EverythingListeners = [EgressListenerModel.Everything];

    private readonly IReadOnlyList<EgressListenerModel> _listeners;
    private readonly HashSet<VirtualServiceModel> _virtualServices = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<string> _destinations = new(StringComparer.Ordinal);
    private readonly HashSet<(string Host, uint Port)> _destinationsOnPort = [];

    /// <summary>No Sidecar applies: everything the proxy's namespace can see (exportTo) is imported.</summary>
    public static SidecarScope Default { get; } = new();

    private SidecarScope()
    {
        Namespace = "";
        _listeners = EverythingListeners;
        ImportsEverything = true;
    }

    public SidecarScope(SidecarModel sidecar, string proxyNamespace, MeshSnapshot snapshot)
    {
        Sidecar = sidecar;
        Namespace = proxyNamespace;
        _listeners = sidecar.Egress;
        ImportsEverything = ReferenceEquals(sidecar.Egress[0], EgressListenerModel.Everything);
        if (ImportsEverything) return;
        foreach (var virtualService in snapshot.VirtualServicesFor(HostNames.MeshGateway))
        {
            if (!HostNames.IsExportedTo(virtualService.Spec.ExportTo, virtualService.Namespace, proxyNamespace)) continue;
            foreach (var listener in _listeners)
            {
                if (!ImportsAnyHost(listener, virtualService)) continue;
                _virtualServices.Add(virtualService);
                AddDestinations(virtualService, listener.Port);
            }
        }
    }

    /// <summary>The Sidecar that applies; null when none does.</summary>
    public SidecarModel? Sidecar { get; }

    /// <summary>The namespace of the proxies this scope is for (<c>.</c> in egress hosts is this namespace).</summary>
    public string Namespace { get; }

    /// <summary>True when nothing is scoped out (no Sidecar, or one without egress listeners): the checks below all answer true.</summary>
    public bool ImportsEverything { get; }

    /// <summary>The Sidecar's outboundTrafficPolicy mode when it sets one, else the mesh config's.</summary>
    public OutboundTrafficPolicyMode OutboundTrafficPolicy(MeshSettings mesh) => Sidecar?.OutboundTrafficPolicy ?? mesh.OutboundTrafficPolicy;

    /// <summary>Whether any port of the service is imported.</summary>
    public bool Imports(ServiceModel service)
    {
        if (ImportsEverything) return true;
        foreach (var port in service.Ports)
        {
            if (ImportsPort(service, port.Number)) return true;
        }
        return false;
    }

    /// <summary>Whether the proxy gets the service's port: a listener imports the service (on that port, if it has one), or an imported route goes to it.</summary>
    public bool ImportsPort(ServiceModel service, uint port)
    {
        if (ImportsEverything) return true;
        foreach (var listener in _listeners)
        {
            if ((listener.Port is null || listener.Port == port) && listener.Imports(service.Namespace, service.Hostname, Namespace)) return true;
        }
        return _destinations.Contains(service.Hostname) || _destinationsOnPort.Contains((service.Hostname, port));
    }

    /// <summary>Whether a service host declared in <paramref name="serviceNamespace"/> is imported on some port (ports unknown: errs towards yes).</summary>
    public bool ImportsHost(string serviceNamespace, string host)
    {
        if (ImportsEverything || _destinations.Contains(host)) return true;
        foreach (var listener in _listeners)
        {
            if (listener.Imports(serviceNamespace, host, Namespace)) return true;
        }
        foreach (var (destination, _) in _destinationsOnPort)
        {
            if (destination == host) return true;
        }
        return false;
    }

    /// <summary>Whether the proxy gets this mesh VirtualService's routes (it must also be exported to the proxy's namespace).</summary>
    public bool Imports(VirtualServiceModel virtualService) => ImportsEverything || _virtualServices.Contains(virtualService);

    /// <summary>The same for a VirtualService given by namespace and resolved hosts (one that may not be in this snapshot).</summary>
    public bool ImportsVirtualService(string virtualServiceNamespace, IReadOnlyList<string> hosts)
    {
        if (ImportsEverything) return true;
        foreach (var listener in _listeners)
        {
            foreach (var host in hosts)
            {
                if (listener.Imports(virtualServiceNamespace, host, Namespace)) return true;
            }
        }
        return false;
    }

    private bool ImportsAnyHost(EgressListenerModel listener, VirtualServiceModel virtualService)
    {
        foreach (var host in virtualService.Hosts)
        {
            if (listener.Imports(virtualService.Namespace, host, Namespace)) return true;
        }
        return false;
    }

    /// <summary>Every host the VirtualService routes, mirrors or forwards to, resolved in its namespace.</summary>
    private void AddDestinations(VirtualServiceModel virtualService, uint? listenerPort)
    {
        foreach (var http in virtualService.Spec.Http)
        {
            foreach (var route in http.Route) AddDestination(route.Destination, virtualService.Namespace, listenerPort);
            AddDestination(http.Mirror, virtualService.Namespace, listenerPort);
            foreach (var mirror in http.Mirrors) AddDestination(mirror.Destination, virtualService.Namespace, listenerPort);
        }
        foreach (var tcp in virtualService.Spec.Tcp)
        {
            foreach (var route in tcp.Route) AddDestination(route.Destination, virtualService.Namespace, listenerPort);
        }
        foreach (var tls in virtualService.Spec.Tls)
        {
            foreach (var route in tls.Route) AddDestination(route.Destination, virtualService.Namespace, listenerPort);
        }
    }

    private void AddDestination(Destination? destination, string virtualServiceNamespace, uint? listenerPort)
    {
        if (destination is null || destination.Host.Length == 0) return;
        var host = HostNames.Resolve(destination.Host, virtualServiceNamespace);
        if (listenerPort is { } port) _destinationsOnPort.Add((host, port));
        else _destinations.Add(host);
    }
}
