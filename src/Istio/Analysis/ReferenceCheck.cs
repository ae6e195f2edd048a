using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// istioctl analyze's reference checks on VirtualServices (IST0101): every gateway bound exists, every destination
/// and mirror host is a service of the mesh (a ServiceEntry host), every subset is defined by a DestinationRule of its host.
/// </summary>
internal static class ReferenceCheck
{
    public static void Check(VirtualService virtualService, MeshIndex mesh, List<AnalysisMessage> messages)
    {
        var spec = virtualService.Spec;
        var ns = virtualService.Metadata.Namespace;
        for (var i = 0; i < spec.Gateways.Count; i++)
        {
            var gateway = HostNameRules.ResolveGateway(spec.Gateways[i], ns);
            if (gateway != HostNameRules.MeshGateway && !mesh.Gateways.ContainsKey(gateway))
            {
                messages.Add(AnalysisMessage.At(AnalysisMessageType.ReferencedResourceNotFound, virtualService, $"spec.gateways[{i}]",
                    $"Referenced gateway not found: \"{spec.Gateways[i]}\""));
            }
        }

        for (var i = 0; i < spec.Http.Count; i++)
        {
            var route = spec.Http[i];
            for (var j = 0; j < route.Route.Count; j++) Destination(virtualService, route.Route[j].Destination, $"spec.http[{i}].route[{j}].destination", mesh, messages);
            Destination(virtualService, route.Mirror, $"spec.http[{i}].mirror", mesh, messages);
            for (var j = 0; j < route.Mirrors.Count; j++) Destination(virtualService, route.Mirrors[j].Destination, $"spec.http[{i}].mirrors[{j}].destination", mesh, messages);
        }

        for (var i = 0; i < spec.Tcp.Count; i++)
        {
            for (var j = 0; j < spec.Tcp[i].Route.Count; j++) Destination(virtualService, spec.Tcp[i].Route[j].Destination, $"spec.tcp[{i}].route[{j}].destination", mesh, messages);
        }

        for (var i = 0; i < spec.Tls.Count; i++)
        {
            for (var j = 0; j < spec.Tls[i].Route.Count; j++) Destination(virtualService, spec.Tls[i].Route[j].Destination, $"spec.tls[{i}].route[{j}].destination", mesh, messages);
        }
    }

    private static void Destination(VirtualService virtualService, Destination? destination, string path, MeshIndex mesh, List<AnalysisMessage> messages)
    {
        if (destination is null) return;
        var fqdn = HostNameRules.Resolve(destination.Host, virtualService.Metadata.Namespace);
        if (!mesh.Declares(fqdn))
        {
            messages.Add(AnalysisMessage.At(AnalysisMessageType.ReferencedResourceNotFound, virtualService, path + ".host",
                $"Referenced host not found: \"{destination.Host}\" (no ServiceEntry or Service declares {fqdn})"));
        }

        if (!string.IsNullOrEmpty(destination.Subset) && !mesh.HasSubset(fqdn, destination.Subset))
        {
            messages.Add(AnalysisMessage.At(AnalysisMessageType.ReferencedResourceNotFound, virtualService, path + ".subset",
                $"Referenced host+subset in destinationrule not found: \"{destination.Host}+{destination.Subset}\""));
        }
    }
}
