using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Model;

/// <summary>
/// A compiled route configuration: finds the virtual host for a request's authority (exact host:port, then host:*,
/// then the longest wildcard suffix, then "*") and the first route of that host that matches.
/// </summary>
internal sealed class RouteTable
{
    private readonly Dictionary<string, HostDomains> _hosts;
    private readonly Dictionary<string, HostDomains>.AlternateLookup<ReadOnlySpan<char>> _hostLookup;
    private readonly WildcardDomain[] _wildcards;
    private readonly VirtualHostModel? _catchAll;

    public RouteTable(string name, VirtualHostModel[] virtualHosts, Dictionary<string, HostDomains> hosts, WildcardDomain[] wildcards, VirtualHostModel? catchAll)
    {
        Name = name;
        VirtualHosts = virtualHosts;
        _hosts = hosts;
        _hostLookup = hosts.GetAlternateLookup<ReadOnlySpan<char>>();
        _wildcards = wildcards;
        _catchAll = catchAll;
    }

    public string Name { get; }

    public VirtualHostModel[] VirtualHosts { get; }

    public RouteModel? FindRoute(HttpRequest request) => FindVirtualHost(request.Host.Value, request.IsHttps)?.FindRoute(request);

    public VirtualHostModel? FindVirtualHost(ReadOnlySpan<char> authority, bool isHttps)
    {
        var host = Authority.Split(authority, isHttps, out var port);
        if (_hostLookup.TryGetValue(host, out var domains))
        {
            if (domains.ByPort is not null && domains.ByPort.TryGetValue(port, out var exact))
            {
                return exact;
            }

            if (domains.AnyPort is not null)
            {
                return domains.AnyPort;
            }
        }

        // Sorted longest suffix first, a port-specific domain before its "any port" twin.
        foreach (var wildcard in _wildcards)
        {
            if (host.Length > wildcard.Suffix.Length
                && host.EndsWith(wildcard.Suffix, StringComparison.OrdinalIgnoreCase)
                && (wildcard.Port < 0 || wildcard.Port == port))
            {
                return wildcard.VirtualHost;
            }
        }

        return _catchAll;
    }

    /// <summary>The virtual hosts named by "host:port" and "host:*" domains of one host.</summary>
    internal sealed class HostDomains
    {
        public Dictionary<int, VirtualHostModel>? ByPort { get; set; }

        public VirtualHostModel? AnyPort { get; set; }
    }

    /// <summary>A "*.suffix:port" (Port ≥ 0) or "*.suffix:*" (Port = -1) domain; Suffix keeps the leading dot.</summary>
    internal sealed record WildcardDomain(string Suffix, int Port, VirtualHostModel VirtualHost);
}
