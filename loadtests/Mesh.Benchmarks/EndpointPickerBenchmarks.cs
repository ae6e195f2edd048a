using BenchmarkDotNet.Attributes;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Forwarding.LoadBalancing;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;
using Endpoint = Mesh.Contracts.Discovery.Endpoint;

namespace Mesh.Benchmarks;

/// <summary>
/// One endpoint pick over 10 endpoints: a cluster with no load-balancing setting (the bare policy), and the
/// consistent hash on a header (key lookup, xxHash64, ring search or Maglev read), as a request pays them.
/// </summary>
[MemoryDiagnoser]
public class EndpointPickerBenchmarks
{
    private readonly Random _random = new(1);
    private ClusterModel _plain = null!;
    private ClusterModel _ring = null!;
    private ClusterModel _maglev = null!;
    private HttpContext _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _plain = Compile(new Cluster { Name = "c", LbPolicy = LoadBalancerPolicy.LeastRequest });
        _ring = Compile(new Cluster { Name = "c", ConsistentHash = new ConsistentHash { HeaderName = "x-user", Table = HashTable.RingHash, MinimumRingSize = 1024 } });
        _maglev = Compile(new Cluster { Name = "c", ConsistentHash = new ConsistentHash { HeaderName = "x-user", Table = HashTable.Maglev, TableSize = 65537 } });
        _request = new DefaultHttpContext();
        _request.Request.Headers["x-user"] = "user-1234567";
    }

    [Benchmark(Baseline = true, Description = "no policy (least request)")]
    public object? Plain() => EndpointPicker.Pick(_plain, _random, _plain.Balancer?.Hash?.Key.Compute(_request, out _));

    [Benchmark(Description = "consistent hash on a header, ring of 1024")]
    public object? Ring() => EndpointPicker.Pick(_ring, _random, _ring.Balancer?.Hash?.Key.Compute(_request, out _));

    [Benchmark(Description = "consistent hash on a header, Maglev 65537")]
    public object? Maglev() => EndpointPicker.Pick(_maglev, _random, _maglev.Balancer?.Hash?.Key.Compute(_request, out _));

    private static ClusterModel Compile(Cluster cluster)
    {
        var assignment = new ClusterLoadAssignment { ClusterName = "c" };
        for (var i = 0; i < 10; i++)
        {
            assignment.Endpoints.Add(new Endpoint { Address = $"10.0.0.{i + 1}", Port = 8080, Weight = 1 });
        }

        return new ClusterCompiler(TimeProvider.System).Compile([cluster], [assignment], new Dictionary<string, ClusterModel>(), "bench")["c"];
    }
}
