using Mesh.Proxy.Authentication;
using Mesh.Proxy.Authorization;
using Mesh.Proxy.Observability;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Mesh.Proxy.Model;
using Mesh.Proxy.Overload;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// The data path's entry point for every request on every listener: listener → request authentication →
/// authorization → route table → route → action, then a local reply, a redirect, a direct response, a CORS preflight
/// answer, or a forward to the chosen cluster (with copies to the route's mirrors). Upgrades other than to a WebSocket,
/// and every CONNECT but a WebSocket's, are refused with 403 on every listener, as Istio's Envoy does.
/// No exception leaves it: a client gone is one log line, anything else a rate-limited line with its stack and a 500.
/// </summary>
internal sealed class ProxyRequestHandler(
    ProxySnapshotStore store, UpstreamForwarder upstreamForwarder, RequestMirror mirror, ProxyTelemetry telemetry, ForwardingLog log,
    OverloadManager overload, Random random, TimeProvider time)
{
    /// <summary>Envoy's response code details for an upgrade its connection manager does not allow.</summary>
    private const string UpgradeFailed = "upgrade_failed";

    private const string WebSocketProtocol = "websocket";

    private const string H2cProtocol = "h2c";

    public async Task HandleAsync(HttpContext context, string listenerEndPoint)
    {
        var snapshot = store.Current;
        var feature = new ProxyRequestFeature();
        context.Features.Set(feature);
        snapshot.ListenersByEndPoint.TryGetValue(listenerEndPoint, out var listener);
        var observation = telemetry.Begin(context, feature, snapshot, listener);
        var admitted = overload.TryStartRequest();
        try
        {
            if (!admitted)
            {
                // Before routing, as Envoy's stop_accepting_requests: the request costs nothing more than its reply.
                feature.Flags |= ResponseFlags.OverloadManager;
                await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, LocalReply.Overloaded);
                return;
            }

            await RouteAsync(context, snapshot, listener, feature);
        }
        catch (Exception e) when (context.RequestAborted.IsCancellationRequested)
        {
            // Writing a local reply to a client that went away: expected, and the server would log its stack.
            feature.Flags |= ResponseFlags.DownstreamConnectionTermination;
            log.ClientGone(feature, e);
        }
        catch (Exception e)
        {
            // Left to the server, each would be logged with its stack, once per request.
            log.Unhandled(feature, e);
            if (context.Response.HasStarted)
            {
                context.Abort();
            }
            else
            {
                context.Response.Clear();
                context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            }
        }
        finally
        {
            if (admitted)
            {
                overload.EndRequest();
            }

            telemetry.Complete(context, feature, observation);
        }
    }

    private async Task RouteAsync(HttpContext context, ProxySnapshot snapshot, ListenerModel? listener, ProxyRequestFeature feature)
    {
        if (IsRefusedUpgrade(context))
        {
            // Envoy answers an upgrade or a CONNECT 403 unless its connection manager's upgrade_configs name it, and
            // Istio names only websocket, on every listener: a CONNECT is neither routed nor tunnelled.
            feature.ResponseCodeDetails = UpgradeFailed;
            await LocalReply.WriteAsync(context, StatusCodes.Status403Forbidden, []);
            return;
        }

        if (listener?.JwtAuthentication is { } jwtAuthentication)
        {
            // Before routing and authorization, as Envoy's jwt_authn filter runs before RBAC in Istio's chain.
            var refused = JwtAuthenticator.Authenticate(context.Request, jwtAuthentication, out var verified, time);
            if (refused is not null)
            {
                await RefuseTokenAsync(context, feature, refused);
                return;
            }

            feature.Jwt = verified;
        }

        if (listener?.Authorization is { } authorization)
        {
            var attributes = new HttpRequestAttributes(context, feature.Jwt);
            if (authorization.HasRecordedRules && log.RecordsAuthorization)
            {
                log.RecordAuthorization(authorization, listener.Name, attributes);
            }

            if (RequestAuthorizer.Deny(authorization, attributes) is { } denial)
            {
                // Envoy's RBAC filter: 403 before routing; the access log and metrics show it, nothing else does.
                feature.ResponseCodeDetails = denial;
                await LocalReply.WriteAsync(context, StatusCodes.Status403Forbidden, RequestAuthorizer.AccessDenied);
                return;
            }
        }

        var route = listener is not null
            && snapshot.RouteTables.TryGetValue(listener.RouteConfigName, out var table)
                ? table.FindRoute(context.Request)
                : null;
        if (route is null)
        {
            feature.Flags |= ResponseFlags.NoRouteFound;
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        feature.Route = route;
        feature.RouteName = route.Name;
        if (route.Redirect is not null)
        {
            RedirectResponder.Respond(context, route.Redirect);
            route.ResponseHeaders.ApplyTo(context.Response.Headers);
            return;
        }

        if (route.DirectResponse is { } direct)
        {
            await LocalReply.WriteAsync(context, direct.StatusCode, direct.Body, route.ResponseHeaders);
            return;
        }

        var action = route.Forward!;
        var backend = action.PickCluster(random);
        feature.Backend = backend;
        feature.ClusterName = backend.Name;
        if (action.Fault is { } fault && await FaultInjector.ApplyAsync(context, feature, fault, random, time))
        {
            return;
        }

        // Istio's filter chain runs fault, then CORS, then the router.
        if (action.Cors is { } cors && CorsResponder.Apply(context, feature, cors))
        {
            return;
        }

        if (!snapshot.Clusters.TryGetValue(backend.Name, out var cluster))
        {
            feature.Flags |= ResponseFlags.NoClusterFound;
            await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, LocalReply.ClusterNotFound);
            return;
        }

        if (action.Mirrors is { } mirrors)
        {
            await mirror.MirrorAsync(context, route, action, backend, mirrors, snapshot);
        }

        await upstreamForwarder.ForwardAsync(context, feature, action, cluster);
    }

    /// <summary>Envoy's reply to an invalid token: its status text as the body, and a Bearer challenge naming the request's URI.</summary>
    private static Task RefuseTokenAsync(HttpContext context, ProxyRequestFeature feature, JwtStatus refused)
    {
        feature.ResponseCodeDetails = refused.ResponseCodeDetails;
        var request = context.Request;
        var response = context.Response;
        response.Clear();
        response.StatusCode = refused.StatusCode;
        response.Headers.WWWAuthenticate = $"Bearer realm=\"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}\", error=\"invalid_token\"";
        response.ContentType = "text/plain";
        response.ContentLength = refused.Body.Length;
        return response.Body.WriteAsync(refused.Body, 0, refused.Body.Length, context.RequestAborted);
    }

    /// <summary>
    /// A CONNECT other than RFC 8441's extended CONNECT for a WebSocket (how one crosses an HTTP/2 hop), or an HTTP/1.1
    /// upgrade to anything but a WebSocket. An h2c upgrade is not refused: the request goes on without it, as in Envoy.
    /// </summary>
    private static bool IsRefusedUpgrade(HttpContext context)
    {
        if (HttpMethods.IsConnect(context.Request.Method))
        {
            return context.Features.Get<IHttpExtendedConnectFeature>() is not { IsExtendedConnect: true } connect
                || !string.Equals(connect.Protocol, WebSocketProtocol, StringComparison.OrdinalIgnoreCase);
        }

        if (context.Features.Get<IHttpUpgradeFeature>() is not { IsUpgradableRequest: true })
        {
            return false;
        }

        var upgrade = context.Request.Headers.Upgrade;
        return upgrade.Count != 1
            || !(string.Equals(upgrade[0], WebSocketProtocol, StringComparison.OrdinalIgnoreCase)
                || string.Equals(upgrade[0], H2cProtocol, StringComparison.OrdinalIgnoreCase));
    }
}
