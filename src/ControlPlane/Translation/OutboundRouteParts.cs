using System.Numerics;
using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Translation;

/// <summary>
/// Splits a sidecar's outbound virtual hosts into parts of the <c>outbound</c> route configuration
/// (<see cref="RouteConfiguration.PartOf"/>), so that a change resends one part to a proxy that takes increments.
/// </summary>
/// <remarks>
/// One part per destination namespace (<c>outbound/&lt;namespace&gt;</c>) while the namespace has at most
/// <see cref="ServicesPerPart"/> services; a larger namespace is split into a power of two of buckets
/// (<c>outbound/&lt;namespace&gt;/&lt;bucket&gt;</c>) by a stable hash of each service's host, all of a service's
/// ports in one bucket. Without the split a change to one service of a 100-service namespace resent all 100 to every
/// proxy (41.6 KB each at 5,000 proxies, docs/performance.md). Not a part per service: each part costs a name and a
/// type URL in every whole set. A power of two keeps services in their buckets as a namespace grows, until its count
/// doubles. The virtual hosts' order across parts does not matter: a domain may name one virtual host.
/// </remarks>
internal sealed class OutboundRouteParts(string routeConfigName)
{
    /// <summary>The services a part holds at most on average before its namespace is split further.</summary>
    internal const int ServicesPerPart = 16;

    private readonly SortedDictionary<string, List<ServiceHosts>> _byNamespace = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="virtualHost"/>, one of <paramref name="hostname"/>'s ports; a service's ports come one after another.</summary>
    public void Add(string destinationNamespace, string hostname, VirtualHost virtualHost)
    {
        if (!_byNamespace.TryGetValue(destinationNamespace, out var services)) _byNamespace.Add(destinationNamespace, services = []);
        if (services.Count == 0 || services[^1].Hostname != hostname) services.Add(new ServiceHosts(hostname, []));
        services[^1].VirtualHosts.Add(virtualHost);
    }

    /// <summary>The parts of each namespace, by bucket; empty buckets are left out.</summary>
    public IEnumerable<(string Namespace, RouteConfiguration[] Parts)> Build()
    {
        foreach (var (destinationNamespace, services) in _byNamespace)
        {
            var bucketCount = BucketCount(services.Count);
            var buckets = new RouteConfiguration?[bucketCount];
            foreach (var service in services)
            {
                var bucket = bucketCount == 1 ? 0 : BucketOf(service.Hostname, bucketCount);
                buckets[bucket] ??= new RouteConfiguration
                {
                    Name = bucketCount == 1 ? $"{routeConfigName}/{destinationNamespace}" : $"{routeConfigName}/{destinationNamespace}/{bucket}",
                    PartOf = routeConfigName,
                };
                buckets[bucket]!.VirtualHosts.AddRange(service.VirtualHosts);
            }
            var built = new List<RouteConfiguration>(bucketCount);
            foreach (var part in buckets)
            {
                if (part is not null) built.Add(part);
            }
            yield return (destinationNamespace, [.. built]);
        }
    }

    /// <summary>1 up to <see cref="ServicesPerPart"/> services, then the power of two that keeps the average at most that.</summary>
    internal static int BucketCount(int services) =>
        services <= ServicesPerPart ? 1 : (int)BitOperations.RoundUpToPowerOf2((uint)((services + ServicesPerPart - 1) / ServicesPerPart));

    /// <summary>FNV-1a over the host's characters: the same bucket in every process and run, unlike string hashing.</summary>
    internal static int BucketOf(string hostname, int bucketCount)
    {
        var hash = 2166136261u;
        foreach (var c in hostname) hash = (hash ^ c) * 16777619u;
        // The low bits of a product depend on the low bits alone: fold the high half in before masking.
        return (int)((hash ^ (hash >> 16)) & (uint)(bucketCount - 1));
    }

    private sealed record ServiceHosts(string Hostname, List<VirtualHost> VirtualHosts);
}
