using System.Text;
using Mesh.Contracts.Discovery;
using Route = Mesh.Contracts.Discovery.Route;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Configuration;

/// <summary>Compiles a <see cref="RouteConfiguration"/> into a <see cref="RouteTable"/>, rejecting it with a field path when it is invalid.</summary>
internal static class RouteTableCompiler
{
    /// <summary>The data path draws each mirror's share into a 64-bit mask.</summary>
    public const int MaxMirrorsPerRoute = 64;

    public static RouteTable Compile(RouteConfiguration config, string context)
    {
        var hosts = new Dictionary<string, RouteTable.HostDomains>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new List<RouteTable.WildcardDomain>();
        var seenDomains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var virtualHosts = new VirtualHostModel[config.VirtualHosts.Count];
        VirtualHostModel? catchAll = null;

        for (var v = 0; v < config.VirtualHosts.Count; v++)
        {
            var vhConfig = config.VirtualHosts[v];
            var vhPath = $"{context}: virtual_hosts[{v}] '{vhConfig.Name}'";
            var routes = new RouteModel[vhConfig.Routes.Count];
            for (var r = 0; r < routes.Length; r++)
            {
                routes[r] = CompileRoute(vhConfig.Routes[r], vhConfig.IncludeRequestAttemptCount, $"{vhPath}.routes[{r}]");
            }

            var virtualHost = new VirtualHostModel(vhConfig.Name, routes);
            virtualHosts[v] = virtualHost;

            if (vhConfig.Domains.Count == 0)
            {
                throw new ConfigRejectedException($"{vhPath}.domains: a virtual host needs at least one domain");
            }

            for (var d = 0; d < vhConfig.Domains.Count; d++)
            {
                var domain = vhConfig.Domains[d].Trim();
                var domainPath = $"{vhPath}.domains[{d}]";
                if (!seenDomains.Add(domain))
                {
                    throw new ConfigRejectedException($"{domainPath}: duplicate domain '{domain}' (each domain may name one virtual host)");
                }

                if (domain == "*")
                {
                    catchAll = virtualHost;
                    continue;
                }

                var (host, port) = SplitDomain(domain, domainPath);
                if (host.StartsWith("*.", StringComparison.Ordinal))
                {
                    wildcards.Add(new RouteTable.WildcardDomain(host[1..], port, virtualHost));
                    continue;
                }

                if (host.Length == 0 || host.Contains('*'))
                {
                    throw new ConfigRejectedException($"{domainPath}: unsupported domain '{domain}' (expected host:port, host:*, *.suffix:port, *.suffix:* or *)");
                }

                if (!hosts.TryGetValue(host, out var entry))
                {
                    entry = new RouteTable.HostDomains();
                    hosts[host] = entry;
                }

                if (port < 0)
                {
                    entry.AnyPort = virtualHost;
                }
                else
                {
                    (entry.ByPort ??= [])[port] = virtualHost;
                }
            }
        }

        wildcards.Sort(static (a, b) => a.Suffix.Length != b.Suffix.Length
            ? b.Suffix.Length.CompareTo(a.Suffix.Length)
            : b.Port.CompareTo(a.Port));
        return new RouteTable(config.Name, virtualHosts, hosts, [.. wildcards], catchAll);
    }

    // A domain without a port is treated as "host:*"; Port -1 means any port.
    private static (string Host, int Port) SplitDomain(string domain, string domainPath)
    {
        var colon = domain.LastIndexOf(':');
        if (colon < 0)
        {
            return (domain, -1);
        }

        var portText = domain[(colon + 1)..];
        if (portText == "*")
        {
            return (domain[..colon], -1);
        }

        if (!int.TryParse(portText, System.Globalization.NumberStyles.None, null, out var port) || port is < 1 or > 65535)
        {
            throw new ConfigRejectedException($"{domainPath}: invalid port in domain '{domain}'");
        }

        return (domain[..colon], port);
    }

    private static RouteModel CompileRoute(Route route, bool includeAttemptCount, string path)
    {
        var match = CompileMatch(route.Match, $"{path}.match");
        ForwardActionModel? forward = null;
        RedirectModel? redirect = null;
        DirectResponseModel? direct = null;

        switch (route.ActionCase)
        {
            case Route.ActionOneofCase.Route_:
                forward = CompileForward(route.Route_, includeAttemptCount, $"{path}.route");
                break;
            case Route.ActionOneofCase.Redirect:
                redirect = CompileRedirect(route.Redirect, $"{path}.redirect");
                break;
            case Route.ActionOneofCase.DirectResponse:
                var status = (int)route.DirectResponse.Status;
                if (status is < 100 or > 599)
                {
                    throw new ConfigRejectedException($"{path}.direct_response.status: {status} is not an HTTP status code");
                }

                direct = new DirectResponseModel(status, Encoding.UTF8.GetBytes(route.DirectResponse.Body));
                break;
            default:
                throw new ConfigRejectedException($"{path}: route '{route.Name}' has no action (route, redirect or direct_response)");
        }

        return new RouteModel(
            route.Name,
            route.Origin,
            match,
            forward,
            redirect,
            direct,
            HeaderOperationsModel.Compile(route.RequestHeaders),
            HeaderOperationsModel.Compile(route.ResponseHeaders));
    }

    private static RouteMatchModel CompileMatch(RouteMatch? match, string path)
    {
        if (match is null)
        {
            return new RouteMatchModel(null, null, null, null, [], [], []);
        }

        return new RouteMatchModel(
            PatternCompiler.CompileMatcher(match.Path, match.IgnoreUriCase, $"{path}.path"),
            PatternCompiler.CompileMatcher(match.Method, ignoreCase: false, $"{path}.method"),
            PatternCompiler.CompileMatcher(match.Authority, ignoreCase: true, $"{path}.authority"),
            PatternCompiler.CompileMatcher(match.Scheme, ignoreCase: true, $"{path}.scheme"),
            CompileHeaders(match.Headers, $"{path}.headers"),
            CompileQueryParameters(match.QueryParameters, $"{path}.query_parameters"),
            CompileHeaders(match.WithoutHeaders, $"{path}.without_headers"));
    }

    private static HeaderMatcherModel[] CompileHeaders(IList<HeaderMatcher> headers, string path)
    {
        var result = new HeaderMatcherModel[headers.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var header = headers[i];
            if (string.IsNullOrWhiteSpace(header.Name))
            {
                throw new ConfigRejectedException($"{path}[{i}].name: a header matcher needs a name");
            }

            result[i] = new HeaderMatcherModel(header.Name.ToLowerInvariant(), PatternCompiler.CompileMatcher(header.Match, ignoreCase: false, $"{path}[{i}].match"));
        }

        return result;
    }

    private static QueryParameterMatcherModel[] CompileQueryParameters(IList<QueryParameterMatcher> parameters, string path)
    {
        var result = new QueryParameterMatcherModel[parameters.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var parameter = parameters[i];
            if (string.IsNullOrEmpty(parameter.Name))
            {
                throw new ConfigRejectedException($"{path}[{i}].name: a query parameter matcher needs a name");
            }

            result[i] = new QueryParameterMatcherModel(parameter.Name, PatternCompiler.CompileMatcher(parameter.Match, ignoreCase: false, $"{path}[{i}].match"));
        }

        return result;
    }

    private static ForwardActionModel CompileForward(RouteAction action, bool includeAttemptCount, string path)
    {
        if (action.Clusters.Count == 0)
        {
            throw new ConfigRejectedException($"{path}.clusters: a route action needs at least one cluster");
        }

        var clusters = new WeightedClusterModel[action.Clusters.Count];
        var totalWeight = 0L;
        for (var i = 0; i < clusters.Length; i++)
        {
            var cluster = action.Clusters[i];
            if (string.IsNullOrEmpty(cluster.Name))
            {
                throw new ConfigRejectedException($"{path}.clusters[{i}].name: a weighted cluster needs a name");
            }

            totalWeight += cluster.Weight;
            clusters[i] = new WeightedClusterModel(
                cluster.Name,
                (int)Math.Min(cluster.Weight, int.MaxValue / 1024),
                HeaderOperationsModel.Compile(cluster.RequestHeaders),
                HeaderOperationsModel.Compile(cluster.ResponseHeaders));
        }

        if (totalWeight == 0)
        {
            throw new ConfigRejectedException($"{path}.clusters: the weights sum to 0; give the backends weights (e.g. 100 for a single backend)");
        }

        System.Text.RegularExpressions.Regex? rewriteRegex = null;
        var substitution = string.Empty;
        if (action.RegexRewrite is { Pattern.Length: > 0 } regexRewrite)
        {
            rewriteRegex = PatternCompiler.CompileSearch(regexRewrite.Pattern, $"{path}.regex_rewrite.pattern");
            substitution = ToDotNetSubstitution(regexRewrite.Substitution);
        }

        return new ForwardActionModel(
            clusters,
            TimeSpan.FromMilliseconds(action.TimeoutMs),
            RetryPolicyModel.Compile(action.RetryPolicy),
            action.PrefixRewrite.Length > 0 ? action.PrefixRewrite : null,
            rewriteRegex,
            substitution,
            action.HostRewrite.Length > 0 ? action.HostRewrite : null,
            includeAttemptCount,
            CompileFault(action.Fault, $"{path}.fault"),
            CompileMirrors(action.Mirrors, $"{path}.mirrors"),
            CompileCors(action.Cors, $"{path}.cors"));
    }

    private static MirrorModel[]? CompileMirrors(IList<MirrorPolicy> mirrors, string path)
    {
        if (mirrors.Count == 0)
        {
            return null;
        }

        if (mirrors.Count > MaxMirrorsPerRoute)
        {
            throw new ConfigRejectedException($"{path}: {mirrors.Count} mirrors; a route may have at most {MaxMirrorsPerRoute}");
        }

        var result = new MirrorModel[mirrors.Count];
        for (var i = 0; i < result.Length; i++)
        {
            var mirror = mirrors[i];
            if (string.IsNullOrEmpty(mirror.Cluster))
            {
                throw new ConfigRejectedException($"{path}[{i}].cluster: a mirror needs a cluster");
            }

            if (mirror.Percent is < 0 or > 100 || double.IsNaN(mirror.Percent))
            {
                throw new ConfigRejectedException($"{path}[{i}].percent: {mirror.Percent} is not a share of requests (0 to 100)");
            }

            result[i] = new MirrorModel(mirror.Cluster, mirror.Percent);
        }

        return result;
    }

    private static CorsModel? CompileCors(CorsPolicy? cors, string path)
    {
        if (cors is null)
        {
            return null;
        }

        var origins = new StringMatcher[cors.AllowOrigins.Count];
        for (var i = 0; i < origins.Length; i++)
        {
            origins[i] = PatternCompiler.CompileMatcher(cors.AllowOrigins[i], ignoreCase: false, $"{path}.allow_origins[{i}]")
                ?? throw new ConfigRejectedException($"{path}.allow_origins[{i}]: an origin matcher needs exact, prefix or regex");
        }

        return new CorsModel(
            origins,
            NullIfEmpty(cors.AllowMethods),
            NullIfEmpty(cors.AllowHeaders),
            NullIfEmpty(cors.ExposeHeaders),
            NullIfEmpty(cors.MaxAge),
            cors.AllowCredentials,
            cors.ForwardNotMatchingPreflights);
    }

    private static string? NullIfEmpty(string value) => value.Length > 0 ? value : null;

    private static FaultModel? CompileFault(FaultInjection? fault, string path)
    {
        if (fault is null)
        {
            return null;
        }

        if (fault.DelayPercent is < 0 or > 100 || double.IsNaN(fault.DelayPercent))
        {
            throw new ConfigRejectedException($"{path}.delay_percent: {fault.DelayPercent} is not a share of requests (0 to 100)");
        }

        if (fault.AbortPercent is < 0 or > 100 || double.IsNaN(fault.AbortPercent))
        {
            throw new ConfigRejectedException($"{path}.abort_percent: {fault.AbortPercent} is not a share of requests (0 to 100)");
        }

        if (fault.AbortPercent > 0 && !fault.AbortGrpc && fault.AbortHttpStatus is < 200 or > 599)
        {
            throw new ConfigRejectedException($"{path}.abort_http_status: {fault.AbortHttpStatus} is not an HTTP status (200 to 599)");
        }

        return new FaultModel(
            TimeSpan.FromMilliseconds(fault.DelayMs),
            fault.DelayPercent,
            fault.AbortPercent,
            fault.AbortGrpc ? 200 : (int)fault.AbortHttpStatus,
            fault.AbortGrpc ? fault.AbortGrpcStatus.ToString(System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    private static RedirectModel CompileRedirect(RedirectAction redirect, string path)
    {
        var code = redirect.ResponseCode == 0 ? 301 : (int)redirect.ResponseCode;
        if (code is not (301 or 302 or 303 or 307 or 308))
        {
            throw new ConfigRejectedException($"{path}.response_code: {code} is not a redirect status (301, 302, 303, 307 or 308)");
        }

        if (redirect.PortRedirect > 65535)
        {
            throw new ConfigRejectedException($"{path}.port_redirect: {redirect.PortRedirect} is not a port");
        }

        return new RedirectModel(
            redirect.PathRedirect.Length > 0 ? redirect.PathRedirect : null,
            redirect.HostRedirect.Length > 0 ? redirect.HostRedirect : null,
            (int)redirect.PortRedirect,
            redirect.SchemeRedirect.Length > 0 ? redirect.SchemeRedirect.ToLowerInvariant() : null,
            code);
    }

    // RE2 substitutions name groups \1..\9; .NET's Regex.Replace names them $1 and needs a literal '$' doubled.
    private static string ToDotNetSubstitution(string substitution)
    {
        var builder = new StringBuilder(substitution.Length + 4);
        for (var i = 0; i < substitution.Length; i++)
        {
            var c = substitution[i];
            if (c == '\\' && i + 1 < substitution.Length && char.IsAsciiDigit(substitution[i + 1]))
            {
                builder.Append("${").Append(substitution[++i]).Append('}');
            }
            else if (c == '$')
            {
                builder.Append("$$");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
