using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Tests.Infrastructure;
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
        var observation = new RequestObservation(ProxySnapshot.Empty, TrafficDirection.Outbound, 0, default, null, null, accessLog: false);

        var allocated = SteadyStateAllocations.Of(() => recorder.Record(observation, feature, "backend:9080", 200, null, "-", 3.5, 10, 20, grpc: false));

        Assert.Equal(0, allocated);
        Assert.Contains("destination_workload=\"backend-v1\"", TextExposition.Of(registry));
    }

    [Fact]
    public void Record_InboundPeerAlreadySeen_AllocatesNothing()
    {
        var (recorder, registry) = NewRecorder();
        var caller = PeerMetadata.Encode("gateway", "istio-system", new Dictionary<string, string> { ["app"] = "gateway" }, "1");
        var feature = new ProxyRequestFeature { Attempts = 1 };
        var observation = new RequestObservation(ProxySnapshot.Empty, TrafficDirection.Inbound, 0, default, caller, "spiffe://cluster.local/ns/istio-system/sa/gw", accessLog: false);

        var allocated = SteadyStateAllocations.Of(() => recorder.Record(observation, feature, "backend:9080", 503, null, "UF", 1, 0, 0, grpc: false));

        Assert.Equal(0, allocated);
        var exposition = TextExposition.Of(registry);
        Assert.Contains("source_principal=\"spiffe://cluster.local/ns/istio-system/sa/gw\"", exposition);
        Assert.Contains("connection_security_policy=\"mutual_tls\"", exposition);
    }

    [Fact]
    public void Record_SidecarNoUpstreamHostAlreadySeen_AllocatesNothingAndNamesTheServiceAfterTheHost()
    {
        var (recorder, registry) = NewRecorder();
        var feature = new ProxyRequestFeature { Attempts = 1 };
        var observation = new RequestObservation(ProxySnapshot.Empty, TrafficDirection.Outbound, 0, default, null, null, accessLog: false);

        var allocated = SteadyStateAllocations.Of(() => recorder.Record(observation, feature, "nowhere:9080", 404, null, "NR", 1, 0, 0, grpc: false));

        Assert.Equal(0, allocated);
        var exposition = TextExposition.Of(registry);
        Assert.Contains("destination_service=\"nowhere:9080\",destination_service_name=\"nowhere:9080\",destination_service_namespace=\"unknown\"", exposition);
    }

    [Fact]
    public void Record_GatewayNoUpstream_NamesNoService()
    {
        var (recorder, registry) = NewRecorder(Options with { Role = ProxyRole.Router });
        var observation = new RequestObservation(ProxySnapshot.Empty, TrafficDirection.Outbound, 0, default, null, null, accessLog: false);

        recorder.Record(observation, new ProxyRequestFeature { Attempts = 1 }, "nowhere:9080", 404, null, "NR", 1, 0, 0, grpc: false);

        var exposition = TextExposition.Of(registry);
        Assert.Contains("response_code=\"404\"", exposition);
        Assert.Contains("destination_service=\"unknown\",destination_service_name=\"unknown\"", exposition);
        Assert.DoesNotContain("nowhere", exposition);
    }

    private static (RequestMetricsRecorder Recorder, CappedMetricFactory Registry) NewRecorder(ProxyOptions? options = null)
    {
        var registry = TextExposition.NewFactory();
        return (new RequestMetricsRecorder(new IstioStandardMetrics(registry, "1"), new RouteMetrics(registry), options ?? Options), registry);
    }
}
