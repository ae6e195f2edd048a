using System.Net;
using Mesh.Contracts.Discovery;
using Endpoint = Mesh.Contracts.Discovery.Endpoint;
using Mesh.Proxy.Identity;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Compiles clusters and their load assignments into <see cref="ClusterModel"/>s. From the previous snapshot it keeps
/// each cluster's live state and each address's, and the connection pool of every cluster whose connection settings
/// did not change. A compiled set of clusters is always the next one served (nothing after this step can reject it),
/// so compiling also hands each cluster's outlier detector its new settings and endpoints.
/// </summary>
internal sealed class ClusterCompiler(TimeProvider timeProvider, WorkloadIdentityStore? identity = null, ILoggerFactory? loggerFactory = null,
    IOutlierEventSink? outlierEvents = null)
{
    private readonly ILogger _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<ClusterTlsConnector>();

    /// <summary>Istio's default connect timeout.</summary>
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(10);

    public Dictionary<string, ClusterModel> Compile(
        IReadOnlyList<Cluster> clusters,
        IReadOnlyList<ClusterLoadAssignment> assignments,
        IReadOnlyDictionary<string, ClusterModel> previous,
        string context)
    {
        var endpointsByCluster = CompileAssignments(assignments, context);
        var result = new Dictionary<string, ClusterModel>(clusters.Count, StringComparer.Ordinal);
        try
        {
            AddClusters(clusters, endpointsByCluster, previous, context, result);
        }
        catch (ConfigRejectedException)
        {
            // Pools made for a rejected config never served a request.
            foreach (var transport in FindUnused(result, previous))
            {
                transport.Dispose();
            }

            throw;
        }

        TrackOutlierDetection(result, previous);
        return result;
    }

    private void TrackOutlierDetection(Dictionary<string, ClusterModel> next, IReadOnlyDictionary<string, ClusterModel> previous)
    {
        foreach (var cluster in next.Values)
        {
            if (cluster.Config.OutlierDetection is not { } settings)
            {
                cluster.State.Outlier?.Dispose();
                cluster.State.Outlier = null;
            }
            else if (cluster.State.Outlier is { } detector)
            {
                detector.Track(settings, cluster.Endpoints);
            }
            else
            {
                cluster.State.Outlier = new OutlierDetector(cluster.Name, settings, cluster.Endpoints, timeProvider, outlierEvents);
            }
        }

        foreach (var (name, cluster) in previous)
        {
            if (!next.ContainsKey(name))
            {
                cluster.State.Outlier?.Dispose();
            }
        }
    }

    private void AddClusters(
        IReadOnlyList<Cluster> clusters,
        Dictionary<string, Endpoint[]> endpointsByCluster,
        IReadOnlyDictionary<string, ClusterModel> previous,
        string context,
        Dictionary<string, ClusterModel> result)
    {
        for (var i = 0; i < clusters.Count; i++)
        {
            var cluster = clusters[i];
            var path = $"{context}: clusters[{i}] '{cluster.Name}'";
            if (string.IsNullOrEmpty(cluster.Name))
            {
                throw new ConfigRejectedException($"{path}.name: a cluster needs a name");
            }

            if (result.ContainsKey(cluster.Name))
            {
                throw new ConfigRejectedException($"{path}.name: duplicate cluster name");
            }

            var connectTimeout = cluster.ConnectTimeoutMs == 0 ? DefaultConnectTimeout : TimeSpan.FromMilliseconds(cluster.ConnectTimeoutMs);
            var tls = cluster.Tls is { Mode: not UpstreamTlsMode.Disable } ? cluster.Tls : null;
            var transport = previous.TryGetValue(cluster.Name, out var old) && old.Transport.HasSameSettings(cluster.Protocol, connectTimeout, tls, cluster.ConnectionPool)
                ? old.Transport
                : CreateTransport(cluster, connectTimeout, tls, path);
            var assigned = endpointsByCluster.TryGetValue(cluster.Name, out var forCluster) ? forCluster : [];
            var endpoints = CompileEndpoints(assigned, LoadBalancerCompiler.Priorities(cluster, assigned), old);
            result.Add(cluster.Name, new ClusterModel(cluster, transport, endpoints, old?.State ?? new ClusterState())
            {
                Balancer = LoadBalancerCompiler.Compile(cluster, endpoints, timeProvider, path),
            });
        }
    }

    /// <summary>
    /// With TLS origination when the cluster has TLS, else plaintext (keep-alive probes set on the socket when asked
    /// for); HTTP/2 connections capped at maxConcurrentStreams when it is set.
    /// </summary>
    private ClusterTransport CreateTransport(Cluster cluster, TimeSpan connectTimeout, UpstreamTls? tls, string path)
    {
        var pool = cluster.ConnectionPool;
        if (tls is not null)
        {
            var connector = CreateConnector(cluster, path);
            return new ClusterTransport(cluster.Protocol, connectTimeout, timeProvider, tls, CapStreams(connector.ConnectAsync, pool), pool) { TlsConnector = connector };
        }

        // Null when neither is set: the handler then connects on its own, the same way.
        var plaintext = pool is { TcpKeepalive: not null } or { MaxConcurrentStreams: > 0 } or { MaxRequestsPerConnection: 1 }
            ? CapStreams(UpstreamSockets.PlaintextConnector(pool.TcpKeepalive), pool)
            : null;
        return new ClusterTransport(cluster.Protocol, connectTimeout, timeProvider, null, plaintext, pool);
    }

    /// <summary>
    /// maxConcurrentStreams, and maxRequestsPerConnection 1, on each HTTP/2 connection (HTTP/1.1 connections get the
    /// latter from <see cref="ClusterTransport"/>'s "Connection: close"). The proxy sends HTTP/2 with
    /// RequestVersionExact only, so the request a connection is opened for says which protocol the connection speaks.
    /// </summary>
    private static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> CapStreams(
        Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> connect, ConnectionPool? pool)
    {
        var oneStream = pool?.MaxRequestsPerConnection == 1;
        if (pool is null || (pool.MaxConcurrentStreams == 0 && !oneStream))
        {
            return connect;
        }

        var streams = pool.MaxConcurrentStreams;
        return async (context, cancellationToken) =>
        {
            var stream = await connect(context, cancellationToken);
            return context.InitialRequestMessage.Version.Major >= 2 ? new Http2StreamCapStream(stream, streams, oneStream) : stream;
        };
    }

    private ClusterTlsConnector CreateConnector(Cluster cluster, string path)
    {
        if (cluster.Tls.Mode == UpstreamTlsMode.IstioMutual && identity is not { IsEnabled: true })
        {
            throw new ConfigRejectedException($"{path}.tls.mode: ISTIO_MUTUAL needs a workload certificate, and this proxy has none (start it with --ca-token)");
        }

        try
        {
            return new ClusterTlsConnector(cluster, identity, timeProvider, _logger);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException
            or FormatException)
        {
            var source = cluster.Tls.ClientCertificatePem.Length > 0 || cluster.Tls.CaCertificatesPem.Length > 0 || cluster.Tls.CaCrlPem.Length > 0
                ? "the inline credential (credentialName)"
                : $"the certificates '{cluster.Tls.CaCertificates}' / '{cluster.Tls.ClientCertificate}' / '{cluster.Tls.PrivateKey}' / caCrl '{cluster.Tls.CaCrl}'";
            throw new ConfigRejectedException($"{path}.tls: cannot load {source}: {ex.Message}");
        }
    }

    /// <summary>The transports the previous snapshot used that the next one does not: retire them once the swap is done.</summary>
    public static List<ClusterTransport> FindUnused(IReadOnlyDictionary<string, ClusterModel> previous, IReadOnlyDictionary<string, ClusterModel> next)
    {
        var inUse = new HashSet<ClusterTransport>(ReferenceEqualityComparer.Instance);
        foreach (var cluster in next.Values)
        {
            inUse.Add(cluster.Transport);
        }

        var unused = new List<ClusterTransport>();
        foreach (var cluster in previous.Values)
        {
            if (!inUse.Contains(cluster.Transport))
            {
                unused.Add(cluster.Transport);
            }
        }

        return unused;
    }

    /// <summary>
    /// Models for a cluster's endpoints, at their locality priority levels; an address the cluster already had keeps its
    /// live state, a new one is seen now (slow start ramps from then).
    /// </summary>
    private EndpointModel[] CompileEndpoints(Endpoint[] endpoints, int[]? priorities, ClusterModel? previous)
    {
        Dictionary<string, EndpointState>? previousStates = null;
        if (previous is { Endpoints.Length: > 0 })
        {
            previousStates = new Dictionary<string, EndpointState>(previous.Endpoints.Length, StringComparer.Ordinal);
            foreach (var endpoint in previous.Endpoints)
            {
                previousStates.TryAdd(endpoint.Key, endpoint.State);
            }
        }

        var models = new EndpointModel[endpoints.Length];
        for (var i = 0; i < endpoints.Length; i++)
        {
            var state = previousStates is not null && previousStates.TryGetValue(EndpointModel.KeyOf(endpoints[i]), out var kept)
                ? kept
                : new EndpointState(timeProvider.GetTimestamp());
            models[i] = new EndpointModel(endpoints[i], state) { Priority = priorities?[i] ?? 0 };
        }

        return models;
    }

    private static Dictionary<string, Endpoint[]> CompileAssignments(IReadOnlyList<ClusterLoadAssignment> assignments, string context)
    {
        var result = new Dictionary<string, Endpoint[]>(assignments.Count, StringComparer.Ordinal);
        for (var i = 0; i < assignments.Count; i++)
        {
            var assignment = assignments[i];
            var path = $"{context}: cluster_load_assignments[{i}] '{assignment.ClusterName}'";
            if (!result.TryAdd(assignment.ClusterName, new Endpoint[assignment.Endpoints.Count]))
            {
                throw new ConfigRejectedException($"{path}.cluster_name: duplicate load assignment for this cluster");
            }

            var endpoints = result[assignment.ClusterName];
            for (var e = 0; e < endpoints.Length; e++)
            {
                var endpoint = assignment.Endpoints[e];
                if (!IPAddress.TryParse(endpoint.Address, out _) && Uri.CheckHostName(endpoint.Address) != UriHostNameType.Dns)
                {
                    throw new ConfigRejectedException($"{path}.endpoints[{e}].address: '{endpoint.Address}' is not an IP address or host name");
                }

                if (endpoint.Port is 0 or > 65535)
                {
                    throw new ConfigRejectedException($"{path}.endpoints[{e}].port: {endpoint.Port} is not a port");
                }

                endpoints[e] = endpoint;
            }
        }

        return result;
    }
}
