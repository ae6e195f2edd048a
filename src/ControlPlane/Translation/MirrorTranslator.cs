using Google.Protobuf.Collections;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.Istio.Networking;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Istio's HTTPRoute.mirror and mirrors as its pilot translates them (route.TranslateRequestMirrorPolicy): each
/// destination becomes a cluster chosen as a route destination's is, with its share of requests. An unset share is
/// 100%, an explicit 0 mirrors nothing; for <c>mirror</c> the share is mirrorPercentage, else the deprecated
/// mirrorPercent.
/// </summary>
internal static class MirrorTranslator
{
    private const double AllRequests = 100;

    public static void Translate(HttpRoute httpRoute, string virtualServiceNamespace, uint listenerPort, MeshSnapshot snapshot, string proxyNamespace,
        RepeatedField<MirrorPolicy> mirrors)
    {
        if (httpRoute.Mirror is { } mirror)
        {
            var percent = httpRoute.MirrorPercentage?.Value ?? httpRoute.MirrorPercent ?? AllRequests;
            Add(mirror, percent, virtualServiceNamespace, listenerPort, snapshot, proxyNamespace, mirrors);
        }

        foreach (var policy in httpRoute.Mirrors)
        {
            if (policy.Destination is { } destination)
            {
                Add(destination, policy.Percentage?.Value ?? AllRequests, virtualServiceNamespace, listenerPort, snapshot, proxyNamespace, mirrors);
            }
        }
    }

    private static void Add(Destination destination, double percent, string virtualServiceNamespace, uint listenerPort, MeshSnapshot snapshot, string proxyNamespace,
        RepeatedField<MirrorPolicy> mirrors)
    {
        if (percent <= 0) return;
        mirrors.Add(new MirrorPolicy
        {
            Cluster = RouteActionTranslator.DestinationCluster(destination, virtualServiceNamespace, listenerPort, snapshot, proxyNamespace),
            Percent = Math.Min(percent, AllRequests),
        });
    }
}
