using Mesh.Contracts.Discovery;
using Mesh.Istio.Networking;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Turns a VirtualService's HTTP routes into routes for one proxy and listener port, as Istio's
/// BuildHTTPRoutesForVirtualService does: one route per match (a route without matches is a catch-all), in order,
/// matches filtered by port, gateways, sourceLabels and sourceNamespace for this proxy, nothing after a catch-all.
/// Delegating routes were already replaced by their delegates' routes (<see cref="VirtualServiceDelegation"/>).
/// </summary>
internal static class HttpRouteTranslator
{
    /// <param name="proxyNamespace">The proxy's namespace: sourceNamespace matches, and how short host names resolve.</param>
    /// <param name="proxyLabels">The proxy's labels, which sourceLabels matches compare.</param>
    /// <param name="gatewayNames">The gateways the proxy serves (<c>ns/name</c>), or <c>mesh</c> for a sidecar.</param>
    /// <param name="listenerPort">The service port (sidecar) or server port (gateway) the routes are for.</param>
    public static List<Route> Translate(VirtualServiceModel virtualService, string proxyNamespace, IReadOnlyDictionary<string, string> proxyLabels,
        IReadOnlySet<string> gatewayNames, uint listenerPort, MeshSnapshot snapshot)
    {
        var routes = new List<Route>();
        var http = virtualService.Spec.Http;
        for (var routeIndex = 0; routeIndex < http.Count; routeIndex++)
        {
            var httpRoute = http[routeIndex];
            if (httpRoute.Match.Count == 0)
            {
                routes.Add(Build(virtualService, httpRoute, routeIndex, 0, null, listenerPort, snapshot, proxyNamespace));
                // Istio stops at a catch-all: later routes can never match.
                return routes;
            }
            for (var matchIndex = 0; matchIndex < httpRoute.Match.Count; matchIndex++)
            {
                var match = httpRoute.Match[matchIndex];
                if (match.Port is { } port && port != listenerPort) continue;
                if (!AppliesToProxy(match, proxyNamespace, proxyLabels, gatewayNames, virtualService.Namespace)) continue;
                routes.Add(Build(virtualService, httpRoute, routeIndex, matchIndex, match, listenerPort, snapshot, proxyNamespace));
                if (IsCatchAll(match)) return routes;
            }
        }
        return routes;
    }

    /// <summary>
    /// Istio's sourceMatchHTTP: a match naming gateways applies when the proxy serves one of them; otherwise its
    /// sourceLabels must be a subset of the proxy's labels and its sourceNamespace (if any) the proxy's namespace.
    /// </summary>
    private static bool AppliesToProxy(HttpMatchRequest match, string proxyNamespace, IReadOnlyDictionary<string, string> proxyLabels,
        IReadOnlySet<string> gatewayNames, string virtualServiceNamespace)
    {
        if (match.Gateways.Count > 0)
        {
            foreach (var gateway in match.Gateways)
            {
                if (gatewayNames.Contains(HostNames.ResolveGateway(gateway, virtualServiceNamespace))) return true;
            }
            return false;
        }
        foreach (var (key, value) in match.SourceLabels)
        {
            if (!proxyLabels.TryGetValue(key, out var own) || own != value) return false;
        }
        return string.IsNullOrEmpty(match.SourceNamespace) || match.SourceNamespace == proxyNamespace;
    }

    /// <summary>Istio's isCatchAllMatch: no condition but a path prefix of <c>/</c> (or none).</summary>
    private static bool IsCatchAll(HttpMatchRequest match) =>
        (match.Uri is null || (match.Uri.Type == Mesh.Istio.StringMatchType.Prefix && match.Uri.Value == "/"))
        && match.Method is null && match.Authority is null && match.Scheme is null
        && match.Headers.Count == 0 && match.QueryParams.Count == 0 && match.WithoutHeaders.Count == 0
        && match.Port is null && match.SourceLabels.Count == 0 && match.Gateways.Count == 0 && string.IsNullOrEmpty(match.SourceNamespace);

    private static Route Build(VirtualServiceModel virtualService, HttpRoute httpRoute, int routeIndex, int matchIndex, HttpMatchRequest? match,
        uint listenerPort, MeshSnapshot snapshot, string proxyNamespace)
    {
        var route = new Route
        {
            Name = RouteName(virtualService, httpRoute, routeIndex, match),
            Match = match is null ? RouteMatchTranslator.CatchAll() : RouteMatchTranslator.Translate(match),
            Origin = new RouteOrigin
            {
                VirtualService = virtualService.Name,
                Namespace = virtualService.Namespace,
                HttpRouteIndex = routeIndex,
                MatchIndex = matchIndex,
            },
        };
        if (HeaderOperationsTranslator.Translate(httpRoute.Headers?.Request) is { } requestHeaders) route.RequestHeaders = requestHeaders;
        if (HeaderOperationsTranslator.Translate(httpRoute.Headers?.Response) is { } responseHeaders) route.ResponseHeaders = responseHeaders;

        if (httpRoute.Redirect is { } redirect) route.Redirect = RouteActionTranslator.Redirect(redirect, listenerPort);
        else if (httpRoute.DirectResponse is { } directResponse) route.DirectResponse = RouteActionTranslator.DirectResponse(directResponse);
        else route.Route_ = RouteActionTranslator.Forward(httpRoute, virtualService.Namespace, listenerPort, snapshot, proxyNamespace);
        return route;
    }

    private static string RouteName(VirtualServiceModel virtualService, HttpRoute httpRoute, int routeIndex, HttpMatchRequest? match)
    {
        var name = string.IsNullOrEmpty(httpRoute.Name) ? $"{virtualService.Name}.{virtualService.Namespace}.{routeIndex}" : httpRoute.Name;
        return string.IsNullOrEmpty(match?.Name) ? name : $"{name}.{match.Name}";
    }
}
