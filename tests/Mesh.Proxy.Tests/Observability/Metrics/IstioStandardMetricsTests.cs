using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Observability.Metrics;

public sealed class IstioStandardMetricsTests
{
    private static readonly RequestEdgeLabels FrontendToBackend = new(
        IstioLabelValues.ReporterSource,
        new WorkloadPeer("frontend", "demo", "spiffe://cluster.local/ns/demo/sa/frontend", "frontend", "v1", "frontend", "v1", "Kubernetes"),
        new WorkloadPeer("backend-v2", "demo", null, "backend", "v2", "backend", "v2", "Kubernetes"),
        "backend.demo.svc.cluster.local",
        "backend",
        "demo",
        IstioLabelValues.ProtocolHttp,
        IstioLabelValues.Unknown);

    [Fact]
    public void Record_HttpRequest_WritesAll25LabelsInIstioOrder()
    {
        var (registry, metrics) = Create();

        metrics.ResolveRequestEdge(FrontendToBackend).Record(200, null, null, 12, 0, 345);

        Assert.Contains(
            "istio_requests_total{reporter=\"source\",source_workload=\"frontend\",source_workload_namespace=\"demo\"," +
            "source_principal=\"spiffe://cluster.local/ns/demo/sa/frontend\",source_app=\"frontend\",source_version=\"v1\"," +
            "source_canonical_service=\"frontend\",source_canonical_revision=\"v1\",source_cluster=\"Kubernetes\"," +
            "destination_workload=\"backend-v2\",destination_workload_namespace=\"demo\",destination_principal=\"unknown\"," +
            "destination_app=\"backend\",destination_version=\"v2\",destination_service=\"backend.demo.svc.cluster.local\"," +
            "destination_service_name=\"backend\",destination_service_namespace=\"demo\",destination_canonical_service=\"backend\"," +
            "destination_canonical_revision=\"v2\",destination_cluster=\"Kubernetes\",request_protocol=\"http\",response_code=\"200\"," +
            "grpc_response_status=\"\",response_flags=\"-\",connection_security_policy=\"unknown\"} 1\n",
            TextExposition.Of(registry));
    }

    [Fact]
    public void IstioLabelNames_Request_Has25DistinctLabels()
    {
        Assert.Equal(25, IstioLabelNames.Request.Distinct().Count());
        Assert.Equal(23, IstioLabelNames.Tcp.Count);
        Assert.DoesNotContain("response_code", IstioLabelNames.Tcp);
    }

    [Fact]
    public void Record_UnknownPeers_ReportUnknownNeverMissing()
    {
        var (registry, metrics) = Create();
        var labels = new RequestEdgeLabels(
            IstioLabelValues.ReporterDestination, WorkloadPeer.Unknown, WorkloadPeer.Unknown, null, "", null, IstioLabelValues.ProtocolHttp, null);

        metrics.ResolveRequestEdge(labels).Record(503, null, "UH", 1, 0, 0);

        var line = TextExposition.Of(registry).Split('\n').Single(l => l.StartsWith("istio_requests_total{", StringComparison.Ordinal));
        foreach (var name in IstioLabelNames.Request)
        {
            Assert.Contains($"{name}=\"", line);
        }

        Assert.Contains("source_workload=\"unknown\"", line);
        Assert.Contains("destination_service_name=\"unknown\"", line);
        Assert.Contains("response_flags=\"UH\"", line);
        Assert.Contains("connection_security_policy=\"unknown\"", line);
    }

    [Fact]
    public void Record_GrpcRequest_CarriesGrpcStatus()
    {
        var (registry, metrics) = Create();

        metrics.ResolveRequestEdge(FrontendToBackend with { RequestProtocol = IstioLabelValues.ProtocolGrpc }).Record(200, "14", null, 3, 10, 20);

        var text = TextExposition.Of(registry);
        Assert.Contains("request_protocol=\"grpc\",response_code=\"200\",grpc_response_status=\"14\"", text);
    }

    [Fact]
    public void Expose_DurationAndBytes_UseEnvoyBuckets()
    {
        var (registry, metrics) = Create();
        metrics.ResolveRequestEdge(FrontendToBackend).Record(200, null, null, 7, 100, 2000);
        var text = TextExposition.Of(registry);

        foreach (var family in new[] { "istio_request_duration_milliseconds", "istio_request_bytes", "istio_response_bytes" })
        {
            var les = text.Split('\n')
                .Where(l => l.StartsWith(family + "_bucket{", StringComparison.Ordinal))
                .Select(l => l[(l.IndexOf("le=\"", StringComparison.Ordinal) + 4)..l.IndexOf("\"}", StringComparison.Ordinal)])
                .ToArray();
            Assert.Equal(
                ["0.5", "1", "5", "10", "25", "50", "100", "250", "500", "1000", "2500", "5000", "10000", "30000", "60000", "300000", "600000", "1800000", "3600000", "+Inf"],
                les);
        }

        Assert.Contains("istio_request_duration_milliseconds_sum{", text);
        Assert.Contains("le=\"10\"} 1\n", text);
    }

    [Fact]
    public void ResolveRequestEdge_SameLabels_ReturnsSameHandle()
    {
        var (_, metrics) = Create();

        Assert.Same(metrics.ResolveRequestEdge(FrontendToBackend), metrics.ResolveRequestEdge(FrontendToBackend with { }));
    }

    [Fact]
    public void ResolveTcpEdge_Record_WritesTcpFamiliesWithoutResponseCode()
    {
        var (registry, metrics) = Create();
        var edge = metrics.ResolveTcpEdge(FrontendToBackend with { RequestProtocol = IstioLabelValues.ProtocolTcp });

        edge.ConnectionOpened();
        edge.AddReceivedBytes(100);
        edge.AddSentBytes(250);
        edge.ConnectionClosed();

        var text = TextExposition.Of(registry);
        var sent = text.Split('\n').Single(l => l.StartsWith("istio_tcp_sent_bytes_total{", StringComparison.Ordinal));
        Assert.EndsWith(" 250", sent);
        Assert.DoesNotContain("response_code", sent);
        Assert.Contains("request_protocol=\"tcp\",response_flags=\"-\",connection_security_policy=\"unknown\"", sent);
        Assert.Contains("istio_tcp_connections_opened_total{", text);
        Assert.Contains("istio_tcp_connections_closed_total{", text);
        Assert.Contains("istio_tcp_received_bytes_total{", text);
    }

    [Fact]
    public void ResolveTcpEdge_UnderAPolicy_SkipsWhatItTurnsOffAndWritesRemovedLabelsEmpty()
    {
        var (registry, metrics) = Create();
        var edge = metrics.ResolveTcpEdge(FrontendToBackend with { RequestProtocol = IstioLabelValues.ProtocolTcp });
        var protocol = Array.IndexOf(IstioLabelNames.TcpArray, "request_protocol");
        var policy = new MetricsPolicy(StandardMetrics.TcpSentBytes, new Dictionary<StandardMetrics, int[]> { [StandardMetrics.TcpOpenedConnections] = [protocol] });

        edge.ConnectionOpened(policy);
        edge.AddReceivedBytes(100, policy);
        edge.AddSentBytes(250, policy);
        edge.ConnectionClosed(policy);

        var text = TextExposition.Of(registry);
        Assert.DoesNotContain("istio_tcp_sent_bytes_total{", text);
        Assert.Contains("request_protocol=\"\"", text.Split('\n').Single(l => l.StartsWith("istio_tcp_connections_opened_total{", StringComparison.Ordinal)));
        Assert.Contains("request_protocol=\"tcp\"", text.Split('\n').Single(l => l.StartsWith("istio_tcp_connections_closed_total{", StringComparison.Ordinal)));
        Assert.Contains("istio_tcp_received_bytes_total{", text);
    }

    [Fact]
    public void Constructor_RegistersBuildGauge()
    {
        var (registry, _) = Create();

        Assert.Contains("# TYPE istio_build gauge\nistio_build{component=\"proxy\",tag=\"1.2.3\"} 1\n", TextExposition.Of(registry));
    }

    [Fact]
    public void Record_SeenOutcome_AllocatesNothing()
    {
        var (_, metrics) = Create();
        var edge = metrics.ResolveRequestEdge(FrontendToBackend);
        edge.Record(200, null, "-", 1, 0, 10);
        edge.Record(503, null, "UF,URX", 1, 0, 10);

        var i = 0;
        var allocated = SteadyStateAllocations.Of(() =>
        {
            edge.Record(i % 2 == 0 ? 200 : 503, null, i % 2 == 0 ? "-" : "UF,URX", i, 100, 2_000);
            i++;
        });

        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Expose_FullProxyState_PassesPromtool()
    {
        var (registry, metrics) = Create();
        var routes = new RouteMetrics(registry);
        metrics.ResolveRequestEdge(FrontendToBackend).Record(200, null, null, 12, 0, 345);
        metrics.ResolveRequestEdge(FrontendToBackend with { Reporter = IstioLabelValues.ReporterDestination }).Record(504, null, "UT", 30_000, 0, 24);
        metrics.ResolveTcpEdge(FrontendToBackend).ConnectionOpened();
        var route = routes.Resolve(new RouteLabels(IstioLabelValues.ReporterSource, "backend", "demo", "v2-canary", "v2"));
        route.RecordRequest(200, 5);
        route.RecordRetry();

        Promtool.AssertValid(TextExposition.Of(registry));
    }

    private static (CappedMetricFactory Registry, IstioStandardMetrics Metrics) Create()
    {
        var registry = TextExposition.NewFactory();
        return (registry, new IstioStandardMetrics(registry, "1.2.3"));
    }
}
