using Mesh.Istio;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Model;

/// <summary>
/// Istio's VirtualService delegation (pilot's mergeVirtualServicesIfNeeded): a root VirtualService's HTTP route with
/// <c>delegate</c> is replaced, in place, by the delegate VirtualService's HTTP routes, each merged with it. A delegate
/// is a VirtualService without hosts, exported to the root's namespace (its namespace defaults to the root's); one
/// level only. A merged route keeps the delegate's fields and takes the root's where the delegate leaves them unset
/// (rewrite, timeout, retries, fault, mirror, corsPolicy, headers...); its name is <c>root-delegate</c>. Each of the
/// delegate's matches must fit inside a root match (Istio's hasConflict); the two are merged, the delegate's
/// conditions winning. A delegate route that fits no root match is dropped, and so is a root route whose delegate is
/// missing or not exported: as in Istio, but reported here with the field path, where Istio only logs at debug level.
/// </summary>
internal static class VirtualServiceDelegation
{
    /// <summary>The root VirtualServices with their delegating routes expanded; problems (when a list is given) say what was dropped and why.</summary>
    public static List<VirtualService> Merge(IReadOnlyList<VirtualService> virtualServices, List<ConfigError>? problems = null)
    {
        var delegates = new Dictionary<(string Namespace, string Name), VirtualService>();
        foreach (var virtualService in virtualServices)
        {
            if (virtualService.Spec.Hosts.Count == 0) delegates.TryAdd((virtualService.Metadata.Namespace, virtualService.Metadata.Name), virtualService);
        }

        var merged = new List<VirtualService>(virtualServices.Count);
        foreach (var virtualService in virtualServices)
        {
            if (virtualService.Spec.Hosts.Count == 0) continue;
            if (!HasDelegate(virtualService.Spec.Http))
            {
                merged.Add(virtualService);
                continue;
            }

            var routes = new List<HttpRoute>();
            var http = virtualService.Spec.Http;
            for (var i = 0; i < http.Count; i++)
            {
                if (http[i].Delegate is { } reference)
                {
                    Expand(virtualService, i, reference, delegates, routes, problems);
                }
                else
                {
                    routes.Add(http[i]);
                }
            }
            merged.Add(virtualService with { Spec = virtualService.Spec with { Http = routes } });
        }
        return merged;
    }

    private static bool HasDelegate(IReadOnlyList<HttpRoute> http)
    {
        foreach (var route in http)
        {
            if (route.Delegate is not null) return true;
        }
        return false;
    }

    private static void Expand(VirtualService root, int routeIndex, RouteDelegate reference, Dictionary<(string, string), VirtualService> delegates,
        List<HttpRoute> routes, List<ConfigError>? problems)
    {
        var rootNamespace = root.Metadata.Namespace;
        var delegateNamespace = string.IsNullOrEmpty(reference.Namespace) ? rootNamespace : reference.Namespace;
        var path = $"spec.http[{routeIndex}].delegate";
        if (!delegates.TryGetValue((delegateNamespace, reference.Name), out var delegateService))
        {
            problems?.Add(Problem(root, path,
                $"delegate VirtualService {delegateNamespace}/{reference.Name} not found (a delegate is a VirtualService without hosts): the route is dropped"));
            return;
        }

        if (!HostNames.IsExportedTo(delegateService.Spec.ExportTo, delegateNamespace, rootNamespace))
        {
            problems?.Add(Problem(root, path,
                $"delegate VirtualService {delegateNamespace}/{reference.Name} is not exported to namespace {rootNamespace}: the route is dropped"));
            return;
        }

        var rootRoute = root.Spec.Http[routeIndex];
        var delegateHttp = delegateService.Spec.Http;
        for (var i = 0; i < delegateHttp.Count; i++)
        {
            if (MergeRoute(rootRoute, ResolveHosts(delegateHttp[i], delegateNamespace)) is { } mergedRoute)
            {
                routes.Add(mergedRoute);
            }
            else
            {
                problems?.Add(Problem(delegateService, $"spec.http[{i}].match",
                    $"no match fits inside a match of root VirtualService {rootNamespace}/{root.Metadata.Name} spec.http[{routeIndex}].match "
                    + "(Istio's delegate rules: the delegate may only narrow the root's conditions): the route is dropped"));
            }
        }
    }

    /// <summary>
    /// Istio resolves every VirtualService's short host names in its own namespace before merging, so a delegate's
    /// <c>reviews</c> stays the delegate namespace's service once its routes sit in the root.
    /// </summary>
    private static HttpRoute ResolveHosts(HttpRoute route, string delegateNamespace)
    {
        var destinations = new List<HttpRouteDestination>(route.Route.Count);
        foreach (var destination in route.Route)
        {
            destinations.Add(destination.Destination is { } target ? destination with { Destination = Resolve(target, delegateNamespace) } : destination);
        }
        var mirrors = new List<HttpMirrorPolicy>(route.Mirrors.Count);
        foreach (var mirror in route.Mirrors)
        {
            mirrors.Add(mirror.Destination is { } target ? mirror with { Destination = Resolve(target, delegateNamespace) } : mirror);
        }
        return route with
        {
            Route = destinations,
            Mirror = route.Mirror is { } single ? Resolve(single, delegateNamespace) : null,
            Mirrors = mirrors,
        };
    }

    private static Destination Resolve(Destination destination, string ns) => destination with { Host = HostNames.Resolve(destination.Host, ns) };

    /// <summary>Istio's mergeHTTPRoute; null when the delegate's matches conflict with the root's.</summary>
    private static HttpRoute? MergeRoute(HttpRoute root, HttpRoute leaf)
    {
        if (MergeMatches(root.Match, leaf.Match) is not { } matches) return null;
        return leaf with
        {
            Match = matches,
            Name = string.IsNullOrEmpty(leaf.Name) ? root.Name : string.IsNullOrEmpty(root.Name) ? leaf.Name : $"{root.Name}-{leaf.Name}",
            Rewrite = leaf.Rewrite ?? root.Rewrite,
            DirectResponse = leaf.DirectResponse ?? root.DirectResponse,
            Timeout = leaf.Timeout ?? root.Timeout,
            Retries = leaf.Retries ?? root.Retries,
            Fault = leaf.Fault ?? root.Fault,
            Mirror = leaf.Mirror ?? root.Mirror,
            MirrorPercent = leaf.MirrorPercent ?? root.MirrorPercent,
            MirrorPercentage = leaf.MirrorPercentage ?? root.MirrorPercentage,
            Mirrors = leaf.Mirrors.Count > 0 ? leaf.Mirrors : root.Mirrors,
            CorsPolicy = leaf.CorsPolicy ?? root.CorsPolicy,
            Headers = leaf.Headers ?? root.Headers,
        };
    }

    /// <summary>Istio's mergeHTTPMatchRequests: each delegate match is merged with every root match it does not conflict with.</summary>
    private static IReadOnlyList<HttpMatchRequest>? MergeMatches(IReadOnlyList<HttpMatchRequest> root, IReadOnlyList<HttpMatchRequest> leaf)
    {
        if (root.Count == 0) return leaf;
        if (leaf.Count == 0) return root;
        var merged = new List<HttpMatchRequest>();
        foreach (var leafMatch in leaf)
        {
            var fits = false;
            foreach (var rootMatch in root)
            {
                if (Conflicts(rootMatch, leafMatch)) continue;
                merged.Add(MergeMatch(rootMatch, leafMatch));
                fits = true;
            }
            if (!fits) return null;
        }
        return merged;
    }

    private static HttpMatchRequest MergeMatch(HttpMatchRequest root, HttpMatchRequest leaf) => leaf with
    {
        Name = string.IsNullOrEmpty(leaf.Name) ? root.Name : string.IsNullOrEmpty(root.Name) ? leaf.Name : $"{root.Name}-{leaf.Name}",
        Uri = leaf.Uri ?? root.Uri,
        Scheme = leaf.Scheme ?? root.Scheme,
        Method = leaf.Method ?? root.Method,
        Authority = leaf.Authority ?? root.Authority,
        Headers = Union(root.Headers, leaf.Headers),
        WithoutHeaders = Union(root.WithoutHeaders, leaf.WithoutHeaders),
        QueryParams = Union(root.QueryParams, leaf.QueryParams),
        Port = leaf.Port ?? root.Port,
        SourceLabels = Union(root.SourceLabels, leaf.SourceLabels),
        SourceNamespace = string.IsNullOrEmpty(leaf.SourceNamespace) ? root.SourceNamespace : leaf.SourceNamespace,
        Gateways = leaf.Gateways.Count > 0 ? leaf.Gateways : root.Gateways,
        StatPrefix = string.IsNullOrEmpty(leaf.StatPrefix) ? root.StatPrefix : leaf.StatPrefix,
    };

    /// <summary>The root's entries, then the delegate's over them.</summary>
    private static IReadOnlyDictionary<string, T> Union<T>(IReadOnlyDictionary<string, T> root, IReadOnlyDictionary<string, T> leaf)
    {
        if (root.Count == 0) return leaf;
        if (leaf.Count == 0) return root;
        var union = new Dictionary<string, T>(root);
        foreach (var (key, value) in leaf) union[key] = value;
        return union;
    }

    /// <summary>Istio's hasConflict: the delegate's match must be a narrowing of the root's.</summary>
    private static bool Conflicts(HttpMatchRequest root, HttpMatchRequest leaf)
    {
        if (Conflicts(root.Uri, leaf.Uri) || Conflicts(root.Scheme, leaf.Scheme) || Conflicts(root.Method, leaf.Method) || Conflicts(root.Authority, leaf.Authority))
        {
            return true;
        }
        foreach (var (name, value) in leaf.Headers)
        {
            if (Conflicts(root.Headers.GetValueOrDefault(name), value)) return true;
        }
        foreach (var (name, value) in leaf.WithoutHeaders)
        {
            if (Conflicts(root.WithoutHeaders.GetValueOrDefault(name), value)) return true;
        }
        foreach (var (name, value) in leaf.QueryParams)
        {
            if (Conflicts(root.QueryParams.GetValueOrDefault(name), value)) return true;
        }
        if (root.IgnoreUriCase != leaf.IgnoreUriCase) return true;
        if (root.Port is { } rootPort && leaf.Port is { } leafPort && rootPort != leafPort) return true;
        if (!string.IsNullOrEmpty(root.SourceNamespace) && leaf.SourceNamespace != root.SourceNamespace) return true;
        foreach (var (key, value) in leaf.SourceLabels)
        {
            if (root.SourceLabels.TryGetValue(key, out var rootValue) && rootValue != value) return true;
        }
        if (root.Gateways.Count > 0 && leaf.Gateways.Count > 0)
        {
            foreach (var gateway in leaf.Gateways)
            {
                if (!root.Gateways.Contains(gateway)) return true;
            }
        }
        return false;
    }

    /// <summary>
    /// Istio's stringMatchConflict: none when either side is unset; a regex on one side conflicts with any pattern on the
    /// other; an exact root takes only the same exact; a prefix root takes a prefix or exact that starts with it.
    /// </summary>
    private static bool Conflicts(StringMatch? root, StringMatch? leaf)
    {
        if (root is null || leaf is null) return false;
        if (root.Type == StringMatchType.Regex || leaf.Type == StringMatchType.Regex) return true;
        return root.Type switch
        {
            StringMatchType.Exact => leaf.Type != StringMatchType.Exact || leaf.Value != root.Value,
            StringMatchType.Prefix => leaf.Type is not (StringMatchType.Prefix or StringMatchType.Exact) || !leaf.Value.StartsWith(root.Value, StringComparison.Ordinal),
            _ => true,
        };
    }

    private static ConfigError Problem(VirtualService virtualService, string fieldPath, string reason) => new(
        virtualService.Source.File, virtualService.Source.DocumentIndex, VirtualService.KindName, virtualService.Metadata.Namespace, virtualService.Metadata.Name,
        fieldPath, reason);
}
