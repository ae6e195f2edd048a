using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Observability;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Observability;

/// <summary>The real proxy records Istio's standard metrics and the route family, and serves them on /stats/prometheus.</summary>
public sealed class ProxyMetricsTests
{
    private const string BackendCluster = "outbound|9080|v2|backend.default.svc.cluster.local";

    [Fact]
    public async Task Outbound_ForwardedRequest_RecordsSourceReporterWithEndpointAndServiceLabels()
    {
        string? peerMetadataSent = null;
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            peerMetadataSent = context.Request.Headers[PeerMetadata.Header];
            return UpstreamServer.Echo(context);
        });
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var route = ToCluster(BackendCluster, name: "canary-split");
        route.Origin = new RouteOrigin { VirtualService = "backend", Namespace = "default" };
        await proxy.ApplyAsync(
            [BackendClusterConfig()],
            [BackendEndpoints(upstream.Port)],
            Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend:9080", ["*"], route)));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/a")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/b")).StatusCode);

        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 2);
        var series = Exposition.Series(metrics, "istio_requests_total", ("reporter", "source"), ("response_code", "200"));
        Assert.Equal(2, series.Value);
        Assert.Equal("gateway", series.Labels["source_workload"]);
        Assert.Equal("backend-v2", series.Labels["destination_workload"]);
        Assert.Equal("backend", series.Labels["destination_app"]);
        Assert.Equal("v2", series.Labels["destination_version"]);
        Assert.Equal("backend.default.svc.cluster.local", series.Labels["destination_service"]);
        Assert.Equal("backend", series.Labels["destination_service_name"]);
        Assert.Equal("default", series.Labels["destination_service_namespace"]);
        Assert.Equal("http", series.Labels["request_protocol"]);
        Assert.Equal("-", series.Labels["response_flags"]);
        Assert.Equal("unknown", series.Labels["connection_security_policy"]);
        Assert.Equal(
            2,
            Exposition.Series(metrics, "mesh_route_requests_total", ("virtual_service", "backend"), ("route", "canary-split"), ("destination_subset", "v2"), ("response_code_class", "2xx")).Value);
        Assert.NotNull(PeerMetadata.TryDecode(peerMetadataSent!, null));
        Assert.Contains("istio_build{component=\"proxy\"", metrics);
    }

    [Fact]
    public async Task Outbound_ListenerTelemetryDisablesRequestCount_NoSuchSeries_TheOtherMetricsStillRecorded()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var listener = Listener("outbound", port, "outbound");
        listener.Telemetry = new ListenerTelemetry { DisabledMetrics = { IstioMetric.RequestCount, IstioMetric.RequestSize } };
        await proxy.ApplyAsync([BackendClusterConfig()], [BackendEndpoints(upstream.Port)], listener,
            Routes("outbound", Host("backend:9080", ["*"], ToCluster(BackendCluster))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/a")).StatusCode);

        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        Assert.DoesNotContain("istio_requests_total{", metrics, StringComparison.Ordinal);
        Assert.DoesNotContain("istio_request_bytes_count{", metrics, StringComparison.Ordinal);
        Assert.Equal(1, Exposition.Series(metrics, "istio_request_duration_milliseconds_count", ("reporter", "source")).Value);
        Assert.Equal(1, Exposition.Series(metrics, "istio_response_bytes_count", ("reporter", "source")).Value);

        // The Telemetry goes away: the next request is counted, in the same series a proxy without it would have.
        listener.Telemetry = null;
        await proxy.ApplyAsync([BackendClusterConfig()], [BackendEndpoints(upstream.Port)], listener,
            Routes("outbound", Host("backend:9080", ["*"], ToCluster(BackendCluster))));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/b")).StatusCode);
        metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 2);
        Assert.Equal(1, Exposition.Series(metrics, "istio_requests_total", ("reporter", "source")).Value);
        Assert.Equal(2, Exposition.Series(metrics, "istio_response_bytes_count", ("reporter", "source")).Value);
    }

    [Fact]
    public async Task Outbound_ListenerTelemetryRemovesALabel_WrittenEmpty_WhichPrometheusTakesAsNoLabel()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var listener = Listener("outbound", port, "outbound");
        listener.Telemetry = new ListenerTelemetry
        {
            RemovedMetricLabels = { new MetricLabelRemoval { Metric = IstioMetric.RequestCount, Labels = { "destination_version", "no_such_label" } } },
        };
        await proxy.ApplyAsync([BackendClusterConfig()], [BackendEndpoints(upstream.Port)], listener,
            Routes("outbound", Host("backend:9080", ["*"], ToCluster(BackendCluster))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/a")).StatusCode);

        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        var requests = Exposition.Series(metrics, "istio_requests_total", ("reporter", "source"));
        Assert.Equal(("", "backend-v2"), (requests.Labels["destination_version"], requests.Labels["destination_workload"]));
        Assert.Equal("v2", Exposition.Series(metrics, "istio_request_duration_milliseconds_count", ("reporter", "source")).Labels["destination_version"]);

        // Without the Telemetry, the next request is counted with the label again.
        listener.Telemetry = null;
        await proxy.ApplyAsync([BackendClusterConfig()], [BackendEndpoints(upstream.Port)], listener,
            Routes("outbound", Host("backend:9080", ["*"], ToCluster(BackendCluster))));
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/b")).StatusCode);
        metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 2);
        Assert.Equal(1, Exposition.Series(metrics, "istio_requests_total", ("reporter", "source"), ("destination_version", "v2")).Value);
        Assert.Equal(1, Exposition.Series(metrics, "istio_requests_total", ("reporter", "source"), ("destination_version", "")).Value);
    }

    [Fact]
    public async Task Inbound_CallerPeerMetadata_RecordsDestinationReporterWithSourceLabelsAndHidesTheHeaderFromTheApp()
    {
        var appSawPeerMetadata = true;
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            appSawPeerMetadata = context.Request.Headers.ContainsKey(PeerMetadata.Header) || context.Request.Headers.ContainsKey(PeerMetadata.IdHeader);
            return UpstreamServer.Echo(context);
        });
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var listener = Listener("virtualInbound", port, "inbound|9080");
        listener.Direction = TrafficDirection.Inbound;
        var inboundHost = Host("inbound|http|9080", ["*"], ToCluster("inbound|9080||"));
        inboundHost.IncludeRequestAttemptCount = false;
        await proxy.ApplyAsync([Cluster("inbound|9080||")], [Endpoints("inbound|9080||", upstream.Port)], listener, Routes("inbound|9080", inboundHost));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        var caller = PeerMetadata.Encode("frontend-v1", "default", new Dictionary<string, string> { ["app"] = "frontend", ["version"] = "v1" }, "1.0");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add(PeerMetadata.Header, caller);
        request.Headers.Add(PeerMetadata.IdHeader, "sidecar~frontend-v1.default");

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);

        Assert.False(appSawPeerMetadata);
        var series = Exposition.Series(await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1), "istio_requests_total", ("reporter", "destination"));
        Assert.Equal(1, series.Value);
        Assert.Equal("frontend-v1", series.Labels["source_workload"]);
        Assert.Equal("default", series.Labels["source_workload_namespace"]);
        Assert.Equal("frontend", series.Labels["source_app"]);
        Assert.Equal("v1", series.Labels["source_version"]);
        Assert.Equal("frontend", series.Labels["source_canonical_service"]);
        Assert.Equal("gateway", series.Labels["destination_workload"]);
        Assert.Equal("none", series.Labels["connection_security_policy"]);
    }

    [Fact]
    public async Task Outbound_ChunkedResponse_CountsItsBodyBytes()
    {
        await using var upstream = await UpstreamServer.StartAsync(async context =>
        {
            // Two flushed writes and no Content-Length: a chunked response.
            await context.Response.Body.WriteAsync("0123456789"u8.ToArray());
            await context.Response.Body.FlushAsync();
            await context.Response.Body.WriteAsync("abcdefghij"u8.ToArray());
        });
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync([BackendClusterConfig()], [BackendEndpoints(upstream.Port)], Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend:9080", ["*"], ToCluster(BackendCluster))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using var response = await client.GetAsync("/", HttpCompletionOption.ResponseHeadersRead);
        Assert.True(response.Headers.TransferEncodingChunked);
        Assert.Equal("0123456789abcdefghij", await response.Content.ReadAsStringAsync());

        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        Assert.Equal(20, Exposition.Series(metrics, "istio_response_bytes_sum", ("reporter", "source")).Value);
    }

    [Fact]
    public async Task Outbound_GrpcCallWithStatusInTrailers_RecordsProtocolGrpcAndTheStatus()
    {
        await using var upstream = await UpstreamServer.StartAsync(
            async context =>
            {
                context.Response.ContentType = "application/grpc";
                context.Response.AppendTrailer("grpc-status", "14");
                await context.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 0 });
            },
            Microsoft.AspNetCore.Server.Kestrel.Core.HttpProtocols.Http2);
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var cluster = BackendClusterConfig();
        cluster.Protocol = UpstreamProtocol.Http2;
        await proxy.ApplyAsync([cluster], [BackendEndpoints(upstream.Port)], Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend:9080", ["*"], ToCluster(BackendCluster))));
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/pkg.Service/Method")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };
        request.Content.Headers.ContentType = new("application/grpc");

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();

        var series = Exposition.Series(await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1), "istio_requests_total", ("reporter", "source"));
        Assert.Equal("grpc", series.Labels["request_protocol"]);
        Assert.Equal("14", series.Labels["grpc_response_status"]);
        Assert.Equal("200", series.Labels["response_code"]);
    }

    [Fact]
    public async Task Outbound_EndpointOutsideTheMesh_SendsNoPeerMetadata()
    {
        var received = new List<string>();
        await using var upstream = await UpstreamServer.StartAsync(context =>
        {
            lock (received)
            {
                received.AddRange(context.Request.Headers.Keys);
            }

            return UpstreamServer.Echo(context);
        });
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();

        // An endpoint EDS names no workload for: a host outside the mesh (a ServiceEntry's MESH_EXTERNAL address).
        await proxy.ApplyAsync([Cluster("external")], [Endpoints("external", upstream.Port)], Listener("outbound", port, "outbound"),
            Routes("outbound", Host("api.example.com:80", ["*"], ToCluster("external"))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add(PeerMetadata.Header, "forged-by-the-app");

        Assert.Equal(HttpStatusCode.OK, (await client.SendAsync(request)).StatusCode);

        Assert.Contains("x-request-id", received, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain(PeerMetadata.Header, received, StringComparer.OrdinalIgnoreCase);
        Assert.DoesNotContain(PeerMetadata.IdHeader, received, StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Gateway_NoRoute_RecordsNotFoundWithFlagNrUnknownServiceAndARouteSeries()
    {
        // TestProxy is a gateway (router). Istio's gateways do not fall back to the Host header for destination_service
        // (istio/istio#22821: anyone can send a gateway any Host), so a request no route takes names no service.
        await using var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        await proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend")], Listener("outbound", port, "outbound"),
            Routes("outbound", Host("backend:9080", ["backend:9080"], ToCluster("backend"))));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Host = "elsewhere:80";

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/")).StatusCode);

        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 1);
        var series = Exposition.Series(metrics, "istio_requests_total", ("response_code", "404"));
        Assert.Equal("NR", series.Labels["response_flags"]);
        Assert.Equal("unknown", series.Labels["destination_service"]);
        Assert.Equal(1, Exposition.Series(metrics, "mesh_route_requests_total", ("route", "unknown"), ("response_code_class", "4xx")).Value);
    }

    [Fact]
    public async Task Sidecar_RequestsItAnswersItself_ReportTheHostHeaderAsDestinationService()
    {
        await using var proxy = await ObservedProxy.StartAsync(options => options with { Role = ProxyRole.Sidecar, Workload = "frontend-v1", Namespace = "default" });
        var port = FreePort.Next();
        var direct = new Route { Name = "teapot", Match = new RouteMatch { Path = Exact("/tea") }, DirectResponse = new DirectResponseAction { Status = 418 } };
        await proxy.ApplyAsync(Cluster("backend"), Endpoints("backend"), Listener("outbound", port, "outbound"), Routes("outbound", Host("tea", ["*"], direct)));
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using var tea = new HttpRequestMessage(HttpMethod.Get, "/tea");
        tea.Headers.Host = "teapot.example:8080";
        using var nowhere = new HttpRequestMessage(HttpMethod.Get, "/");
        nowhere.Headers.Host = "nowhere.example";

        Assert.Equal(418, (int)(await client.SendAsync(tea)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.SendAsync(nowhere)).StatusCode);

        // Istio's client sidecar names the service after the Host header, as sent, when no cluster says which it is.
        using var admin = new HttpClient { BaseAddress = proxy.Admin };
        var metrics = await Exposition.ScrapeAfterRequestsAsync(admin, 2);
        var answered = Exposition.Series(metrics, "istio_requests_total", ("response_code", "418")).Labels;
        Assert.Equal(("teapot.example:8080", "teapot.example:8080"), (answered["destination_service"], answered["destination_service_name"]));
        Assert.Equal(("unknown", "unknown"), (answered["destination_service_namespace"], answered["destination_workload"]));
        Assert.Equal(("source", "frontend-v1"), (answered["reporter"], answered["source_workload"]));
        var noRoute = Exposition.Series(metrics, "istio_requests_total", ("response_code", "404")).Labels;
        Assert.Equal(("nowhere.example", "NR"), (noRoute["destination_service"], noRoute["response_flags"]));
    }

    [Fact]
    public async Task StatsPrometheus_ScraperAsksForOpenMetrics_AdminAndMetricsPortServeTextFormat004()
    {
        var metricsPort = FreePort.Next();
        await using var proxy = await ObservedProxy.StartAsync(options => options with { MetricsPort = metricsPort });

        foreach (var port in new[] { proxy.Admin.Port, metricsPort })
        {
            using var scraper = new HttpClient();
            using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/stats/prometheus");

            // What Prometheus sends: OpenMetrics preferred. Envoy answers text 0.0.4 regardless, and so do we.
            request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2");
            using var response = await scraper.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
            Assert.Contains("istio_build{component=\"proxy\"", body);
            Assert.DoesNotContain("# EOF", body);
        }
    }

    [Fact]
    public async Task MetricsPort_AdminPaths_404ThereServedOnTheAdminPort()
    {
        var metricsPort = FreePort.Next();
        await using var proxy = await ObservedProxy.StartAsync(options => options with { MetricsPort = metricsPort });
        using var scraper = new HttpClient();

        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync($"http://127.0.0.1:{metricsPort}/config_dump")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync($"http://127.0.0.1:{metricsPort}/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync($"http://127.0.0.1:{proxy.Admin.Port}/config_dump")).StatusCode);
    }

    private static Cluster BackendClusterConfig()
    {
        var cluster = Cluster(BackendCluster);
        cluster.ServiceHost = "backend.default.svc.cluster.local";
        cluster.ServicePort = 9080;
        cluster.Subset = "v2";
        cluster.ServiceNamespace = "default";
        return cluster;
    }

    private static ClusterLoadAssignment BackendEndpoints(int port)
    {
        var assignment = Endpoints(BackendCluster, port);
        var endpoint = assignment.Endpoints[0];
        endpoint.WorkloadName = "backend-v2";
        endpoint.Namespace = "default";
        endpoint.ServiceAccount = "backend";
        endpoint.Labels["app"] = "backend";
        endpoint.Labels["version"] = "v2";
        return assignment;
    }
}
