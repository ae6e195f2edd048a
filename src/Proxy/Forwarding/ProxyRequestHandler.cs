using Mesh.Proxy.Observability;
using Microsoft.AspNetCore.Http;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// The data path's entry point for every request on every listener: listener → route table → route → action,
/// then a local reply, a redirect, a direct response or a forward to the chosen cluster. No exception leaves it: a
/// client gone is one log line, anything else a rate-limited line with its stack and a 500.
/// </summary>
internal sealed class ProxyRequestHandler(
    ProxySnapshotStore store, UpstreamForwarder upstreamForwarder, ProxyTelemetry telemetry, ForwardingLog log, Random random)
{
    public async Task HandleAsync(HttpContext context, string listenerEndPoint)
    {
        var snapshot = store.Current;
        var feature = new ProxyRequestFeature();
        context.Features.Set(feature);
        snapshot.ListenersByEndPoint.TryGetValue(listenerEndPoint, out var listener);
        var observation = telemetry.Begin(context, feature, snapshot, listener);
        try
        {
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
            telemetry.Complete(context, feature, observation);
        }
    }

    private async Task RouteAsync(HttpContext context, ProxySnapshot snapshot, ListenerModel? listener, ProxyRequestFeature feature)
    {
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
        if (!snapshot.Clusters.TryGetValue(backend.Name, out var cluster))
        {
            feature.Flags |= ResponseFlags.NoClusterFound;
            await LocalReply.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, LocalReply.ClusterNotFound);
            return;
        }

        await upstreamForwarder.ForwardAsync(context, feature, action, cluster);
    }
}
