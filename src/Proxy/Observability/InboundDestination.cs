// Who this sidecar is, as the destination of inbound requests, in one snapshot.
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Observability;

/// <summary>
/// The destination side of an inbound request's labels: this workload (with and without its mTLS principal) and the
/// service it serves. Istio reads the service from the inbound cluster's metadata; we find the outbound cluster whose
/// endpoints list this workload, which says the same thing from the snapshot the proxy already has.
/// </summary>
internal sealed class InboundDestination
{
    private InboundDestination(WorkloadPeer plaintext, WorkloadPeer mutualTls, string? service, string? serviceName, string? serviceNamespace)
    {
        Plaintext = plaintext;
        MutualTls = mutualTls;
        Service = service;
        ServiceName = serviceName;
        ServiceNamespace = serviceNamespace;
    }

    public WorkloadPeer Plaintext { get; }

    public WorkloadPeer MutualTls { get; }

    public string? Service { get; }

    public string? ServiceName { get; }

    public string? ServiceNamespace { get; }

    public static InboundDestination Resolve(ProxySnapshot snapshot, string workload, string @namespace, IReadOnlyDictionary<string, string> labels)
    {
        foreach (var cluster in snapshot.Clusters.Values)
        {
            var config = cluster.Config;
            if (string.IsNullOrEmpty(config.ServiceHost) || !string.IsNullOrEmpty(config.Subset))
            {
                continue;
            }

            foreach (var endpoint in cluster.Endpoints)
            {
                if (endpoint.Config.WorkloadName == workload && endpoint.Config.Namespace == @namespace)
                {
                    var principal = WorkloadPeers.SpiffeId(@namespace, endpoint.Config.ServiceAccount);
                    return new InboundDestination(
                        WorkloadPeers.From(workload, @namespace, labels, null, null),
                        WorkloadPeers.From(workload, @namespace, labels, principal, null),
                        config.ServiceHost,
                        ServiceNames.ShortName(config.ServiceHost, config.ServiceNamespace),
                        config.ServiceNamespace);
                }
            }
        }

        var self = WorkloadPeers.From(workload, @namespace, labels, null, null);
        return new InboundDestination(self, self, null, null, null);
    }
}

/// <summary>
/// This proxy's <see cref="InboundDestination"/>, resolved once per snapshot: the request and the TCP metrics read it
/// for every inbound request or connection, and it changes only with config.
/// </summary>
internal sealed class InboundDestinationCache(string workload, string @namespace, IReadOnlyDictionary<string, string> labels)
{
    private volatile Entry? _entry;

    public InboundDestination For(ProxySnapshot snapshot)
    {
        var cached = _entry;
        if (cached is not null && ReferenceEquals(cached.Snapshot, snapshot))
        {
            return cached.Destination;
        }

        var destination = InboundDestination.Resolve(snapshot, workload, @namespace, labels);
        _entry = new Entry(snapshot, destination);
        return destination;
    }

    private sealed record Entry(ProxySnapshot Snapshot, InboundDestination Destination);
}
