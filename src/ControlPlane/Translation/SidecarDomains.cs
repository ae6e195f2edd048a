namespace Mesh.ControlPlane.Translation;

/// <summary>
/// The domains of a sidecar's outbound virtual host, as Istio's GenerateAltVirtualHosts writes them for Kubernetes-style
/// hosts: the FQDN; for a proxy in the service's namespace also <c>name</c>, <c>name.ns.svc</c> and <c>name.ns</c>;
/// from another namespace <c>name.ns</c> and <c>name.ns.svc</c>; other hosts only as written. Each with the port
/// (the proxy gives a port-less authority port 80).
/// </summary>
internal static class SidecarDomains
{
    private const string ServiceSuffix = ".svc.cluster.local";

    /// <summary>
    /// Whether <see cref="For"/> gives <paramref name="hostname"/> the domains of a proxy in its own namespace: all it
    /// reads of the proxy, so proxies agreeing on it share one list (<see cref="SharedTranslation.SidecarDomainsOf"/>).
    /// </summary>
    public static bool IsServiceNamespace(string hostname, string proxyNamespace)
    {
        if (!hostname.EndsWith(ServiceSuffix, StringComparison.Ordinal)) return false;
        var nameAndNamespace = hostname.AsSpan(0, hostname.Length - ServiceSuffix.Length);
        var dot = nameAndNamespace.IndexOf('.');
        return dot > 0 && nameAndNamespace[(dot + 1)..].SequenceEqual(proxyNamespace);
    }

    public static IEnumerable<string> For(string hostname, uint port, string proxyNamespace)
    {
        yield return $"{hostname}:{port}";
        if (!hostname.EndsWith(ServiceSuffix, StringComparison.Ordinal)) yield break;
        var nameAndNamespace = hostname[..^ServiceSuffix.Length];
        var dot = nameAndNamespace.IndexOf('.');
        if (dot <= 0 || dot == nameAndNamespace.Length - 1) yield break;
        var name = nameAndNamespace[..dot];
        var ns = nameAndNamespace[(dot + 1)..];
        if (ns == proxyNamespace)
        {
            yield return $"{name}:{port}";
            yield return $"{nameAndNamespace}.svc:{port}";
            yield return $"{nameAndNamespace}:{port}";
        }
        else
        {
            yield return $"{nameAndNamespace}:{port}";
            yield return $"{nameAndNamespace}.svc:{port}";
        }
    }

    /// <summary>
    /// A captured request's authority may be a service address (Istio adds <c>VIP:port</c>, and <c>VIP</c> for port
    /// 80): <c>address:port</c>, an IPv6 address in brackets. A port-less domain is not written: this proxy reads one as
    /// any port, and gives a port-less authority port 80, which <c>address:80</c> already matches.
    /// </summary>
    public static IEnumerable<string> ForAddresses(IEnumerable<string> addresses, uint port)
    {
        foreach (var address in addresses)
        {
            yield return address.Contains(':') ? $"[{address}]:{port}" : $"{address}:{port}";
        }
    }
}
