using Mesh.Contracts.Discovery;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Model;
using Mesh.Proxy.Tests.Observability.Metrics;

namespace Mesh.Proxy.Tests.Observability;

public sealed class RequestMetricsRecorderTests
{
    private static readonly ProxyOptions Options = new(
        ProxyRole.Sidecar, "frontend-v1", "default", new Uri("http://127.0.0.1:1"), "127.0.0.1:1", 1, 0, "127.0.0.1",
        new Dictionary<string, string> { ["app"] = "frontend", ["version"] = "v1" });

    [Fact]
    public void Record_OutboundLabelSetAlreadySeen_AllocatesNothing()
    {
        var (recorder, registry) = NewRecorder();
        var endpoint = new Endpoint { Address = "127.0.0.1", Port = 1, WorkloadName = "backend-v1", Namespace = "default" };
        var feature = new ProxyRequestFeature { Endpoint = new EndpointModel(endpoint, new EndpointState()), Attempts = 2 };
        var observation = new RequestObservation(ProxySnapshot.Empty, TrafficDirection.Outbound, 0, default, null, null);

        var allocated = AllocatedWhileRecording(() => recorder.Record(observation, feature, 200, null, "-", 3.5, 10, 20, grpc: false));

        Assert.Equal(0, allocated);
        Assert.Contains("destination_workload=\"backend-v1\"", TextExposition.Of(registry));
    }

    [Fact]
    public void Record_InboundPeerAlreadySeen_AllocatesNothing()
    {
        var (recorder, registry) = NewRecorder();
        var caller = PeerMetadata.Encode("gateway", "istio-system", new Dictionary<string, string> { ["app"] = "gateway" }, "1");
        var feature = new ProxyRequestFeature { Attempts = 1 };
        var observation = new RequestObservation(ProxySnapshot.Empty, TrafficDirection.Inbound, 0, default, caller, "spiffe://cluster.local/ns/istio-system/sa/gw");

        var allocated = AllocatedWhileRecording(() => recorder.Record(observation, feature, 503, null, "UF", 1, 0, 0, grpc: false));

        Assert.Equal(0, allocated);
        var exposition = TextExposition.Of(registry);
        Assert.Contains("source_principal=\"spiffe://cluster.local/ns/istio-system/sa/gw\"", exposition);
        Assert.Contains("connection_security_policy=\"mutual_tls\"", exposition);
    }

    private static (RequestMetricsRecorder Recorder, CappedMetricFactory Registry) NewRecorder()
    {
        var registry = TextExposition.NewFactory();
        return (new RequestMetricsRecorder(new IstioStandardMetrics(registry, "1"), new RouteMetrics(registry), Options), registry);
    }

    private static long AllocatedWhileRecording(Action record)
    {
        // The first calls resolve and cache the handles (and let tiered JIT settle); only later calls are the hot path.
        for (var i = 0; i < 100; i++)
        {
            record();
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            record();
        }

        return GC.GetAllocatedBytesForCurrentThread() - before;
    }
}
