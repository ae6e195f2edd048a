using System.Net;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Model;

/// <summary>
/// A Sidecar's ingress listener as the inbound side builds it: the port traffic arrives on (its protocol as a service
/// port's), where it goes (<c>defaultEndpoint</c>) and its connection pool.
/// </summary>
/// <param name="Port">The listener's port, named and classed as a service port is.</param>
/// <param name="Endpoint">Where <c>defaultEndpoint</c> sends the traffic; null when it is unset (or a Unix socket, which the validator reports): the application at the listener's port.</param>
/// <param name="ConnectionPool">The listener's own connection pool; null: the Sidecar's inboundConnectionPool applies.</param>
internal sealed record IngressListenerModel(ServicePortModel Port, IngressEndpoint? Endpoint, ConnectionPoolSettings? ConnectionPool)
{
    public static IngressListenerModel? From(IstioIngressListener listener) =>
        listener.Port is { Number: { } number } port
            ? new(new ServicePortModel(port.Name, number, port.Protocol.ToUpperInvariant(), null), IngressEndpoint.Parse(listener.DefaultEndpoint), listener.ConnectionPool)
            : null;
}

/// <summary>
/// A <c>defaultEndpoint</c> of the forms Istio takes: <c>127.0.0.1:PORT</c> or <c>[::1]:PORT</c>, the loopback address;
/// <c>0.0.0.0:PORT</c> or <c>[::]:PORT</c>, the workload's own address (Istio's instance IP).
/// </summary>
internal sealed record IngressEndpoint(IPAddress? Loopback, uint Port)
{
    public static IngressEndpoint? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.StartsWith("unix://", StringComparison.Ordinal)) return null;
        // ":PORT" (which the validator takes too) has no host: not a loopback address, so the workload's.
        if (value[0] == ':') return uint.TryParse(value.AsSpan(1), out var bare) && bare is > 0 and <= 65535 ? new(null, bare) : null;
        if (!IPEndPoint.TryParse(value, out var endpoint) || endpoint.Port == 0) return null;
        return new(IPAddress.IsLoopback(endpoint.Address) ? endpoint.Address : null, (uint)endpoint.Port);
    }

    /// <summary>The address to send to: the loopback address written, else the workload's.</summary>
    public string AddressFor(WorkloadModel workload) => Loopback?.ToString() ?? workload.Address;
}
