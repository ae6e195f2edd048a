using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Model;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Configuration;

/// <summary>The captured sidecar's listener fields compiled: tcp_clusters validated against the clusters, the hand-off index.</summary>
public sealed class CapturedListenerCompilerTests
{
    private readonly SnapshotCompiler _compiler = new(new ClusterCompiler(TimeProvider.System));

    [Fact]
    public void Compile_TcpListenerWithoutClusters_RejectsWithFieldPath()
    {
        var listener = Handoff("10.0.0.5_3306", "10.0.0.5", 3306, ListenerProtocol.Tcp);

        var error = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(WithClusters("db"), Response(TypeUrls.Listener, "4", listener)));

        Assert.Contains("lds v4: listeners[0] '10.0.0.5_3306'.tcp_clusters", error.Message);
        Assert.Contains("needs at least one cluster", error.Message);
    }

    [Fact]
    public void Compile_AutoListenerNamingAnUnknownCluster_RejectsWithFieldPath()
    {
        var listener = Handoff("0.0.0.0_8080", "0.0.0.0", 8080, ListenerProtocol.Auto, "db", "missing");

        var error = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(WithClusters("db"), Response(TypeUrls.Listener, "1", listener)));

        Assert.Contains("'0.0.0.0_8080'.tcp_clusters[1].name: unknown cluster 'missing'", error.Message);
    }

    [Fact]
    public void Compile_CapturingListenerThatBindsNothing_Rejects()
    {
        var listener = Handoff("virtualOutbound", "127.0.0.1", 15001, ListenerProtocol.Tcp, "PassthroughCluster");
        listener.UseOriginalDst = true;

        var error = Assert.Throws<ConfigRejectedException>(() => _compiler.Compile(WithClusters("PassthroughCluster"), Response(TypeUrls.Listener, "1", listener)));

        Assert.Contains("'virtualOutbound'.handoff_only", error.Message);
    }

    [Fact]
    public void Compile_CapturedListeners_IndexedForHandoffByDirectionExactAddressThenWildcard()
    {
        var capture = Handoff("virtualOutbound", "127.0.0.1", 15001, ListenerProtocol.Tcp, "PassthroughCluster");
        capture.UseOriginalDst = true;
        capture.HandoffOnly = false;
        var wildcard = Handoff("0.0.0.0_9080", "0.0.0.0", 9080, ListenerProtocol.Http);
        var exact = Handoff("10.0.0.5_9080", "10.0.0.5", 9080, ListenerProtocol.Tcp, "db");
        var inbound = Handoff("virtualInbound_7070", "10.1.1.1", 7070, ListenerProtocol.Auto, "db");
        inbound.Direction = TrafficDirection.Inbound;

        var snapshot = _compiler.Compile(WithClusters("PassthroughCluster", "db"), Response(TypeUrls.Listener, "1", capture, wildcard, exact, inbound));

        var handoffs = snapshot.Handoffs;
        Assert.Equal(3, handoffs.Count);
        Assert.Equal("10.0.0.5_9080", handoffs.Find(TrafficDirection.Outbound, IPEndPoint.Parse("10.0.0.5:9080"))?.Name);
        Assert.Equal("0.0.0.0_9080", handoffs.Find(TrafficDirection.Outbound, IPEndPoint.Parse("10.0.0.6:9080"))?.Name);
        Assert.Equal("0.0.0.0_9080", handoffs.Find(TrafficDirection.Outbound, IPEndPoint.Parse("[::ffff:10.0.0.6]:9080"))?.Name);
        Assert.Null(handoffs.Find(TrafficDirection.Outbound, IPEndPoint.Parse("10.0.0.5:9081")));
        // An inbound connection to a port only an outbound listener has is not handed to it, nor the other way round.
        Assert.Null(handoffs.Find(TrafficDirection.Inbound, IPEndPoint.Parse("10.0.0.6:9080")));
        Assert.Null(handoffs.Find(TrafficDirection.Outbound, IPEndPoint.Parse("10.1.1.1:7070")));
        Assert.Equal("virtualInbound_7070", handoffs.Find(TrafficDirection.Inbound, IPEndPoint.Parse("10.1.1.1:7070"))?.Name);
        // The capturing listener is never a target: a connection to its own socket is a direct client.
        Assert.Null(handoffs.Find(TrafficDirection.Outbound, IPEndPoint.Parse("127.0.0.1:15001")));
        Assert.Equal(["db"], snapshot.ListenersByEndPoint["10.0.0.5:9080"].TcpRoute!.ClusterNames);
        Assert.Null(snapshot.ListenersByEndPoint["0.0.0.0:9080"].TcpRoute);
    }

    private ProxySnapshot WithClusters(params string[] names)
    {
        var clusters = new Cluster[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            clusters[i] = Cluster(names[i]);
        }

        return _compiler.Compile(ProxySnapshot.Empty, Response(TypeUrls.Cluster, "1", clusters));
    }

    private static Listener Handoff(string name, string address, int port, ListenerProtocol protocol, params string[] tcpClusters)
    {
        var listener = new Listener
        {
            Name = name, Address = address, Port = (uint)port, Direction = TrafficDirection.Outbound, Protocol = protocol, HandoffOnly = true,
            RouteConfigName = protocol == ListenerProtocol.Tcp ? "" : "outbound",
        };
        foreach (var cluster in tcpClusters)
        {
            listener.TcpClusters.Add(new WeightedCluster { Name = cluster, Weight = 1 });
        }

        return listener;
    }
}
