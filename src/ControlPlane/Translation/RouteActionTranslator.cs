using System.Text;
using Mesh.Contracts.Discovery;
using Mesh.Istio.Networking;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Translation;

/// <summary>The action of a translated route: weighted clusters with timeout, retries, fault, mirrors, CORS and rewrites; or a redirect; or a direct response.</summary>
internal static class RouteActionTranslator
{
    public static RouteAction Forward(HttpRoute httpRoute, string virtualServiceNamespace, uint listenerPort, MeshSnapshot snapshot, string proxyNamespace)
    {
        var action = new RouteAction();
        var destinations = httpRoute.Route;
        for (var i = 0; i < destinations.Count; i++)
        {
            var destination = destinations[i];
            if (destination.Destination is null) continue;
            // Istio: a single destination takes all traffic whatever its weight; with several, a zero weight gets none.
            var weight = destinations.Count == 1 ? 100u : (uint)Math.Max(0, destination.Weight);
            if (weight == 0) continue;
            var cluster = new WeightedCluster
            {
                Name = DestinationCluster(destination.Destination, virtualServiceNamespace, listenerPort, snapshot, proxyNamespace),
                Weight = weight,
            };
            if (HeaderOperationsTranslator.Translate(destination.Headers?.Request) is { } requestHeaders) cluster.RequestHeaders = requestHeaders;
            if (HeaderOperationsTranslator.Translate(destination.Headers?.Response) is { } responseHeaders) cluster.ResponseHeaders = responseHeaders;
            action.Clusters.Add(cluster);
        }
        if (httpRoute.Timeout is { } timeout) action.TimeoutMs = RetryPolicyTranslator.ToMilliseconds(timeout);
        if (RetryPolicyTranslator.Convert(httpRoute.Retries) is { } retryPolicy) action.RetryPolicy = retryPolicy;
        if (FaultTranslator.Translate(httpRoute.Fault) is { } fault) action.Fault = fault;
        MirrorTranslator.Translate(httpRoute, virtualServiceNamespace, listenerPort, snapshot, proxyNamespace, action.Mirrors);
        if (CorsTranslator.Translate(httpRoute.CorsPolicy) is { } cors) action.Cors = cors;
        if (httpRoute.Rewrite is { } rewrite)
        {
            if (rewrite.Uri is { } uri) action.PrefixRewrite = uri;
            if (rewrite.Authority is { } authority) action.HostRewrite = authority;
            if (rewrite.UriRegexRewrite is { } regex) action.RegexRewrite = new Contracts.Discovery.RegexRewrite { Pattern = regex.Match, Substitution = regex.Rewrite };
        }
        return action;
    }

    /// <summary>
    /// Istio's GetDestinationCluster: the port is the destination's, else the only port of the service (as the proxy
    /// sees it: exported to its namespace), else the listener's; the host is resolved in the VirtualService's namespace.
    /// </summary>
    public static string DestinationCluster(Destination destination, string virtualServiceNamespace, uint listenerPort, MeshSnapshot snapshot, string proxyNamespace)
    {
        var host = HostNames.Resolve(destination.Host, virtualServiceNamespace);
        var port = listenerPort;
        if (destination.Port?.Number is { } number) port = number;
        else if (snapshot.FindVisibleService(host, proxyNamespace) is { Ports.Count: 1 } service) port = service.Ports[0].Number;
        return ClusterNames.Outbound(port, string.IsNullOrEmpty(destination.Subset) ? null : destination.Subset, host);
    }

    /// <summary>
    /// Istio's redirect. <c>derivePort: FROM_REQUEST_PORT</c> is the port the routes are for (the service port on a
    /// sidecar, the server port on a gateway), as Istio writes it: Envoy cannot read the request's port. With
    /// <c>FROM_PROTOCOL_DEFAULT</c>, as with no port at all, the Location keeps the request's authority, and a scheme
    /// change drops the old scheme's default port, which is Envoy's behaviour under Istio's translation.
    /// </summary>
    public static RedirectAction Redirect(HttpRedirect redirect, uint listenerPort) => new()
    {
        PathRedirect = redirect.Uri ?? "",
        HostRedirect = redirect.Authority ?? "",
        PortRedirect = redirect.Port ?? (redirect.DerivePort == RedirectPortSelection.FromRequestPort ? listenerPort : 0),
        SchemeRedirect = redirect.Scheme ?? "",
        ResponseCode = redirect.RedirectCode is { } code and > 0 ? code : 301,
    };

    public static DirectResponseAction DirectResponse(HttpDirectResponse directResponse) => new()
    {
        Status = directResponse.Status,
        Body = directResponse.Body switch
        {
            { String: { } text } => text,
            { Bytes: { } base64 } => Encoding.UTF8.GetString(Convert.FromBase64String(base64)),
            _ => "",
        },
    };
}
