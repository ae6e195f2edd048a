using Mesh.Contracts.Discovery;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Forwarding.LoadBalancing;
using Mesh.Proxy.Model;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Proxy.Tests.Forwarding.LoadBalancing;

/// <summary>
/// Istio warmup (Envoy slow start): an endpoint this proxy sees join an existing cluster starts at minimumPercent of
/// its weight and ramps over the window by the aggression curve; time moves by hand.
/// </summary>
public sealed class SlowStartTests
{
    private readonly FakeTimeProvider _time = new();

    [Theory]
    [InlineData(LoadBalancerPolicy.RoundRobin)]
    [InlineData(LoadBalancerPolicy.LeastRequest)]
    public void NewEndpoint_RampsFromMinimumPercent_ToItsFullShare(LoadBalancerPolicy policy)
    {
        var cluster = new Cluster { Name = "backend", LbPolicy = policy, SlowStart = new SlowStart { WindowMs = 60_000, MinWeightPercent = 10, Aggression = 1 } };
        var compiler = new ClusterCompiler(_time);
        var before = compiler.Compile([cluster], [Assignment(3)], new Dictionary<string, ClusterModel>(), "test");
        _time.Advance(TimeSpan.FromMinutes(5));
        var after = compiler.Compile([cluster], [Assignment(4)], before, "test")["backend"];
        var newcomer = after.Endpoints[3];

        // Just joined: 10% of its weight, 0.1 / 3.1 of the traffic.
        Assert.InRange(Share(after, newcomer), 0.015, 0.05);
        // Half the window: (30 / 60) ^ 1 = 0.5 of its weight, 0.5 / 3.5.
        _time.Advance(TimeSpan.FromSeconds(30));
        Assert.InRange(Share(after, newcomer), 0.11, 0.18);
        // Past the window: an equal share.
        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.InRange(Share(after, newcomer), 0.22, 0.28);
    }

    [Fact]
    public void Aggression_BendsTheRamp()
    {
        var cluster = new Cluster { Name = "backend", LbPolicy = LoadBalancerPolicy.RoundRobin, SlowStart = new SlowStart { WindowMs = 100_000, MinWeightPercent = 1, Aggression = 2 } };
        var compiler = new ClusterCompiler(_time);
        var before = compiler.Compile([cluster], [Assignment(1)], new Dictionary<string, ClusterModel>(), "test");
        _time.Advance(TimeSpan.FromMinutes(5));
        var after = compiler.Compile([cluster], [Assignment(2)], before, "test")["backend"];
        _time.Advance(TimeSpan.FromSeconds(25));

        // (25 / 100) ^ (1 / 2) = 0.5 of its weight: 0.5 / 1.5 of the traffic (linear would be 0.25 / 1.25).
        Assert.InRange(Share(after, after.Endpoints[1]), 0.30, 0.37);
    }

    [Fact]
    public void EndpointsOfTheFirstSnapshot_DoNotRamp()
    {
        var cluster = new Cluster { Name = "backend", LbPolicy = LoadBalancerPolicy.RoundRobin, SlowStart = new SlowStart { WindowMs = 60_000, MinWeightPercent = 10, Aggression = 1 } };
        var compiled = new ClusterCompiler(_time).Compile([cluster], [Assignment(2)], new Dictionary<string, ClusterModel>(), "test")["backend"];

        // All joined together: all scaled alike, so the shares stay equal, as in Envoy.
        Assert.InRange(Share(compiled, compiled.Endpoints[1]), 0.45, 0.55);
    }

    private static double Share(ClusterModel cluster, EndpointModel endpoint)
    {
        const int picks = 4000;
        var hits = 0;
        var random = new Random(7);
        for (var i = 0; i < picks; i++)
        {
            hits += EndpointPicker.Pick(cluster, random) == endpoint ? 1 : 0;
        }

        return (double)hits / picks;
    }

    private static ClusterLoadAssignment Assignment(int endpoints)
    {
        var assignment = new ClusterLoadAssignment { ClusterName = "backend" };
        for (var i = 0; i < endpoints; i++)
        {
            assignment.Endpoints.Add(new Endpoint { Address = $"10.0.0.{i + 1}", Port = 8080, Weight = 1 });
        }

        return assignment;
    }
}
