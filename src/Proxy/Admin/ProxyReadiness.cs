using Mesh.Proxy.Listeners;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Admin;

/// <summary>
/// Whether the proxy takes traffic: its whole config applied, every listener accepting, not draining. One rule for the
/// admin port's /ready and the status and readiness ports' /healthz/ready (what the kubelet probes in a pod).
/// </summary>
internal sealed class ProxyReadiness(ProxySnapshotStore store, ListenerHealth listeners, GracefulDrain drain)
{
    /// <summary>Null when ready; otherwise why not, in one line.</summary>
    public string? DescribeNotReady()
    {
        if (drain.IsDraining)
        {
            return "draining, shutting down";
        }

        if (!store.Current.IsComplete)
        {
            return "waiting for listeners, routes, clusters and endpoints";
        }

        // A listener out of descriptors (or failing to accept for any reason) takes no traffic: say so, by name.
        return listeners.DescribeNotAccepting();
    }
}
