namespace Mesh.ControlPlane.Model;

/// <summary>
/// One egress host of a Sidecar, <c>namespace/dnsName</c>: the namespace is a name, <c>*</c> (any), <c>.</c> (the
/// proxy's own: for a root-namespace default, the namespace of each proxy it applies to) or <c>~</c> (none); the
/// dnsName, lower case, is a host, <c>*</c> or a wildcard such as <c>*.example.com</c>.
/// </summary>
internal readonly record struct EgressHost(string Namespace, string DnsName)
{
    public static EgressHost Parse(string written)
    {
        var slash = written.IndexOf('/');
        return new EgressHost(written[..slash], written[(slash + 1)..].ToLowerInvariant());
    }

    /// <summary>Whether a config of <paramref name="configNamespace"/> with host <paramref name="host"/> is imported for a proxy of <paramref name="proxyNamespace"/>.</summary>
    public bool Matches(string configNamespace, string host, string proxyNamespace)
    {
        var namespaceMatches = Namespace switch
        {
            "*" => true,
            "." => configNamespace == proxyNamespace,
            "~" => false,
            _ => configNamespace == Namespace,
        };
        // Either way round: a wildcard service host (a ServiceEntry for *.example.com) is imported by a name it covers.
        return namespaceMatches && (HostNames.IsSubsetOf(host, DnsName) || (HostNames.IsWildcard(host) && HostNames.IsSubsetOf(DnsName, host)));
    }
}
