using System.Net;
using System.Net.Sockets;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// A captured sidecar's outbound hand-off listeners, which virtualOutbound hands each connection to by its original
/// destination: per HTTP service port one <c>0.0.0.0_&lt;port&gt;</c> listener routing with <c>outbound</c>; per
/// port with no declared protocol the same, sniffed (AUTO), with the service's TCP routing for what is not HTTP; per
/// TCP service port one <c>&lt;address&gt;_&lt;port&gt;</c> listener for each of the service's addresses, with its
/// TCP routing. Where services share a port or an address, the first by host name takes it (AUTO before HTTP on a
/// shared wildcard port, since sniffing still serves HTTP). A TCP port of a service without an address gets no
/// listener: its connections fall through to virtualOutbound (outboundTrafficPolicy). Built once per snapshot for all
/// captured sidecars with equal inputs (<see cref="SharedTranslation"/>): each build walks every service.
/// </summary>
internal static class CapturedOutboundListeners
{
    public const string Wildcard = "0.0.0.0";

    /// <summary>What the listeners read of a captured sidecar: its route inputs (namespace, Sidecar scope, labels where a route matches on them).</summary>
    /// <remarks>A type of its own, so that its build is not taken for the routes' build of the same inputs.</remarks>
    public sealed record Inputs(OutboundRouteInputs Proxy);

    public static List<Listener> Generate(Inputs inputs, MeshSnapshot snapshot)
    {
        var (proxyNamespace, scope) = (inputs.Proxy.Namespace, inputs.Proxy.Scope);
        var wildcard = new Dictionary<uint, Listener>();
        var byAddress = new Dictionary<string, Listener>(StringComparer.Ordinal);
        foreach (var service in snapshot.Services)
        {
            if (!HostNames.IsExportedTo(service.ExportTo, service.Namespace, proxyNamespace) || !scope.Imports(service)) continue;
            var virtualService = SidecarOutboundGenerator.FindVirtualService(service.Hostname, proxyNamespace, scope, snapshot);
            foreach (var port in service.Ports)
            {
                if (!scope.ImportsPort(service, port.Number)) continue;
                switch (port.Carried)
                {
                    case PortProtocol.Http:
                        if (!wildcard.ContainsKey(port.Number)) wildcard[port.Number] = HandOff($"{Wildcard}_{port.Number}", Wildcard, port.Number, ListenerProtocol.Http);
                        break;
                    case PortProtocol.Auto:
                        if (wildcard.TryGetValue(port.Number, out var shared) && shared.Protocol == ListenerProtocol.Auto) break;
                        var sniffed = HandOff($"{Wildcard}_{port.Number}", Wildcard, port.Number, ListenerProtocol.Auto);
                        TcpRouteTranslator.Translate(virtualService, service, port.Number, inputs.Proxy, snapshot, sniffed);
                        wildcard[port.Number] = sniffed;
                        break;
                    default:
                        foreach (var address in ListenerAddresses(service))
                        {
                            var name = $"{address}_{port.Number}";
                            if (byAddress.ContainsKey(name)) continue;
                            var listener = HandOff(name, address, port.Number, ListenerProtocol.Tcp);
                            TcpRouteTranslator.Translate(virtualService, service, port.Number, inputs.Proxy, snapshot, listener);
                            byAddress[name] = listener;
                        }
                        break;
                }
            }
        }
        return [.. wildcard.Values, .. byAddress.Values];
    }

    /// <summary>
    /// The service's addresses a listener can stand on: each single address (an IP, or a CIDR of one address). A wider
    /// CIDR is not a listener address: connections to it fall through to virtualOutbound (the validator warns).
    /// </summary>
    public static IEnumerable<string> ListenerAddresses(ServiceModel service)
    {
        foreach (var written in service.Addresses)
        {
            var slash = written.IndexOf('/');
            var text = slash < 0 ? written : written[..slash];
            if (!IPAddress.TryParse(text, out var address)) continue;
            var full = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
            if (slash >= 0 && (!int.TryParse(written.AsSpan(slash + 1), out var prefix) || prefix != full)) continue;
            yield return address.ToString();
        }
    }

    private static Listener HandOff(string name, string address, uint port, ListenerProtocol protocol) => new()
    {
        Name = name,
        Address = address,
        Port = port,
        Direction = TrafficDirection.Outbound,
        RouteConfigName = protocol == ListenerProtocol.Tcp ? "" : SidecarOutboundGenerator.RouteConfigName,
        HandoffOnly = true,
        Protocol = protocol,
    };
}
