using System.Text.Json;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests;

/// <summary>Every proxy's /stats/prometheus, checked by promtool and scraped by a real Prometheus under load.</summary>
[Collection(ObservabilityCollection.Name)]
public sealed class MetricsTests(ObservabilityFixture fixture)
{
    // The labels Kiali's versioned-app graph groups istio_requests_total by.
    private const string KialiGraphLabels =
        "source_workload,source_workload_namespace,source_app,source_version,destination_service_namespace,destination_service_name,"
        + "destination_workload,destination_workload_namespace,destination_app,destination_version,request_protocol,response_code,"
        + "response_flags,grpc_response_status,reporter";

    private const string FrontendToBackend = "source_workload=\"frontend-v1\",destination_service_name=\"backend\"";

    [Fact]
    public async Task StatsPrometheus_EveryProxyAfterTraffic_PassesPromtoolAsDoesTheDemosPrometheusConfig()
    {
        await fixture.SendAsync(20);
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });

        foreach (var (name, metrics) in fixture.Mesh.MetricsEndpoints)
        {
            var exposition = await client.GetStringAsync(metrics);

            await PromtoolCheck.AssertValidAsync(exposition, name);
            Assert.Contains("istio_requests_total{", exposition);
            Assert.Contains("istio_build{component=\"proxy\"", exposition);
        }

        // The Prometheus config the demo writes beside its file-SD list, for a local prometheus binary.
        await PromtoolCheck.AssertConfigValidAsync(Path.Combine(Path.GetDirectoryName(fixture.Mesh.PrometheusTargetsFile)!, "prometheus.yml"));
    }

    [Fact]
    public async Task Prometheus_ScrapingTheMeshUnderLoad_ShowsEveryEdgeByKialiLabelsFromBothReporters()
    {
        await using var prometheus = await PrometheusServer.StartAsync(fixture.Mesh.PrometheusTargetsFile, fixture.Mesh.ControlPlaneUrl);
        var proxies = fixture.Mesh.MetricsEndpoints.Count;
        await MeshRun.WaitUntilAsync(
            async () => (await prometheus.QueryAsync("sum(up{job=\"envoy-stats\"})")) is [var up] && up.Value == proxies,
            TimeSpan.FromSeconds(30), "prometheus to scrape every proxy");
        await MeshRun.WaitUntilAsync(
            async () => (await prometheus.QueryAsync("sum(up{job=\"pilot\"})")) is [var up] && up.Value == 1,
            TimeSpan.FromSeconds(30), "prometheus to scrape the control plane");

        // Two bursts with scrapes between them, so every edge's counter has samples that rise within the rate window. The
        // first burst is waited for on all four edges (two reporters, two versions): an edge first scraped after the
        // second burst would hold one value only, and its rate would be 0.
        await fixture.SendAsync(100);
        await MeshRun.WaitUntilAsync(
            async () => (await prometheus.QueryAsync($"sum by (reporter, destination_version) (istio_requests_total{{{FrontendToBackend}}})")).Count == 4,
            TimeSpan.FromSeconds(30), "the first burst to be scraped on every edge");
        await fixture.SendAsync(100);

        var edges = $"sum by ({KialiGraphLabels}) (istio_requests_total{{{FrontendToBackend}}})";
        await MeshRun.WaitUntilAsync(
            async () => BothReportersAgree(await prometheus.QueryAsync(edges)),
            TimeSpan.FromSeconds(30), "both reporters to count every frontend -> backend request");

        var series = await prometheus.QueryAsync(edges);
        Assert.Equal(4, series.Count);
        foreach (var reporter in new[] { "source", "destination" })
        {
            foreach (var version in new[] { "v1", "v2" })
            {
                var edge = Assert.Single(series, s => s.Labels["reporter"] == reporter && s.Labels["destination_version"] == version);
                Assert.Equal("default", edge.Labels["source_workload_namespace"]);
                Assert.Equal("frontend", edge.Labels["source_app"]);
                Assert.Equal("v1", edge.Labels["source_version"]);
                Assert.Equal("default", edge.Labels["destination_service_namespace"]);
                Assert.Equal("backend-" + version, edge.Labels["destination_workload"]);
                Assert.Equal("default", edge.Labels["destination_workload_namespace"]);
                Assert.Equal("backend", edge.Labels["destination_app"]);
                Assert.Equal("http", edge.Labels["request_protocol"]);
                Assert.Equal("200", edge.Labels["response_code"]);
                Assert.Equal("-", edge.Labels["response_flags"]);
                Assert.False(edge.Labels.ContainsKey("grpc_response_status"), "an empty label is absent in PromQL results");
            }
        }

        // The local mesh runs mutual TLS: both ends know both identities; only the server reports the policy.
        var identities = await prometheus.QueryAsync(
            $"sum by (reporter, source_principal, destination_principal, connection_security_policy) (istio_requests_total{{{FrontendToBackend}}})");
        Assert.Equal(2, identities.Count);
        foreach (var (reporter, policy) in new[] { ("source", "unknown"), ("destination", "mutual_tls") })
        {
            var identity = Assert.Single(identities, s => s.Labels["reporter"] == reporter).Labels;
            Assert.Equal("spiffe://cluster.local/ns/default/sa/frontend", identity["source_principal"]);
            Assert.Equal("spiffe://cluster.local/ns/default/sa/backend", identity["destination_principal"]);
            Assert.Equal(policy, identity["connection_security_policy"]);
        }

        // The gateway's own series carry the identity of the certificate it presents, as Istio's gateways' do.
        var gateway = await prometheus.QueryAsync(
            "sum by (source_principal, destination_principal) (istio_requests_total{reporter=\"source\",source_workload=\"istio-ingressgateway\"})");
        var gatewayIdentity = Assert.Single(gateway).Labels;
        Assert.Equal($"spiffe://cluster.local/ns/istio-system/sa/{LocalMesh.GatewayServiceAccount}", gatewayIdentity["source_principal"]);
        Assert.Equal("spiffe://cluster.local/ns/default/sa/frontend", gatewayIdentity["destination_principal"]);

        var rates = await prometheus.QueryAsync($"sum by ({KialiGraphLabels}) (rate(istio_requests_total{{{FrontendToBackend}}}[1m]))");
        Assert.Equal(4, rates.Count);
        Assert.All(rates, rate => Assert.True(rate.Value > 0, $"rate of {string.Join(",", rate.Labels)} is {rate.Value}"));

        // Our per-route family covers exactly the requests Istio's counts, per reporter and for the backend's VirtualService.
        // Each comparison is one query, so that two queries cannot straddle a scrape, and it is waited for: a proxy's
        // page is written family by family, so a scrape taken while the last requests are being recorded can hold one
        // family ahead of the other (422 against 414 once), and a scrape that timed out leaves the result empty for a
        // moment. Families that disagree for good never satisfy it.
        await MeshRun.WaitUntilAsync(
            async () => await prometheus.QueryAsync(
                "sum by (reporter) (istio_requests_total) - on (reporter) sum by (reporter) (mesh_route_requests_total)") is
                [{ Value: 0 }, { Value: 0 }],
            TimeSpan.FromSeconds(30), "mesh_route_requests_total to count, for each reporter, the requests istio_requests_total counts");
        await MeshRun.WaitUntilAsync(
            async () => await prometheus.QueryAsync(
                $"sum(istio_requests_total{{{FrontendToBackend},reporter=\"source\"}}) - sum(mesh_route_requests_total{{reporter=\"source\",virtual_service=\"backend\"}})") is
                [{ Value: 0 }],
            TimeSpan.FromSeconds(30), "the backend VirtualService's routes to count every frontend -> backend request");

        // Every query of the Grafana dashboards in deploy/addons (the mesh's, the control plane's) is valid PromQL
        // (Prometheus answers 400 otherwise), and has data behind it on this mesh, but for the panel of failures, which a
        // healthy mesh leaves empty. Data is waited for: a rate needs two samples in its window, and on a loaded host a
        // scrape can miss its one-second timeout (the control plane's once left `rate(pilot_xds_pushes[1m])` empty).
        foreach (var (title, query) in DashboardQueries())
        {
            if (query.Contains("response_flags!=\"-\"", StringComparison.Ordinal))
            {
                await prometheus.QueryAsync(query);
                continue;
            }

            await MeshRun.WaitUntilAsync(
                async () => (await prometheus.QueryAsync(query)).Count > 0,
                TimeSpan.FromSeconds(30), $"dashboard panel '{title}' to show data: {query}");
        }
    }

    private static IEnumerable<(string Title, string Query)> DashboardQueries()
    {
        var folder = Path.Combine(RepositoryLayout.Find().Root, "deploy", "addons", "grafana");
        var files = Directory.GetFiles(folder, "*.json");
        Assert.True(files.Length >= 2, $"expected the mesh's and the control plane's dashboards in {folder}");
        var queries = new List<(string, string)>();
        foreach (var file in files)
        {
            using var dashboard = JsonDocument.Parse(File.ReadAllText(file));
            foreach (var panel in dashboard.RootElement.GetProperty("panels").EnumerateArray())
            {
                if (!panel.TryGetProperty("targets", out var targets))
                {
                    continue;
                }

                foreach (var target in targets.EnumerateArray())
                {
                    // Grafana's variables set to "All".
                    var query = target.GetProperty("expr").GetString()!.Replace("$service", ".*").Replace("$workload", ".*").Replace("$namespace", ".*");
                    queries.Add(($"{Path.GetFileName(file)}: {panel.GetProperty("title").GetString()}", query));
                }
            }
        }

        return queries;
    }

    private static bool BothReportersAgree(IReadOnlyList<(Dictionary<string, string> Labels, double Value)> series)
    {
        double Count(string reporter, string version) =>
            series.Where(s => s.Labels["reporter"] == reporter && s.Labels["destination_version"] == version).Sum(s => s.Value);

        return Count("source", "v1") > 0 && Count("source", "v2") > 0
            && Count("source", "v1") == Count("destination", "v1")
            && Count("source", "v2") == Count("destination", "v2")
            && Count("source", "v1") + Count("source", "v2") >= 200;
    }
}
