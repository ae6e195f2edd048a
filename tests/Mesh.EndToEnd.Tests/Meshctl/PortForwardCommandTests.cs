using k8s;
using k8s.Models;
using Mesh.Kubernetes.TestServer;
using Mesh.Meshctl.Cluster;
using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Meshctl;

/// <summary>proxy-status, proxy-config and dashboard reaching pods through the test API server's port-forward.</summary>
public sealed class PortForwardCommandTests
{
    private const string Syncz = """
        [{"id": "sidecar~web-1.default", "role": "sidecar", "connectedSince": "2026-11-22T05:25:02Z", "status": "SYNCED",
          "types": {"cds": {"status": "SYNCED"}, "lds": {"status": "SYNCED"}, "eds": {"status": "SYNCED"}, "rds": {"status": "SYNCED"}}}]
        """;

    private const string ConfigDump = """
        {"ready": true, "configs": {
          "cds": {"resources": [{"name": "outbound|80||backend.default.svc.cluster.local", "serviceHost": "backend.default.svc.cluster.local", "servicePort": 80}]},
          "eds": {"resources": [{"clusterName": "outbound|80||backend.default.svc.cluster.local", "endpoints": [{"address": "10.0.0.7", "port": 8080, "weight": 1}]}]},
          "lds": {"resources": [{"name": "0.0.0.0_80", "address": "0.0.0.0", "port": 80, "routeConfigName": "80"}]},
          "rds": {"resources": [{"name": "80", "virtualHosts": [{"name": "backend.default.svc.cluster.local:80", "domains": ["backend", "backend.default"],
            "routes": [{"name": "default", "match": {"path": {"prefix": "/api"}}, "origin": {"virtualService": "backend", "namespace": "default"}}]}]}]}}}
        """;

    [Fact]
    public async Task ProxyStatus_ThroughPortForwardToIstiod_PrintsTheTable()
    {
        await using var pod = await PodHttpServer.StartAsync(new Dictionary<string, string> { ["/debug/syncz"] = Syncz });
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions
        {
            PodPortTargets = (ns, name, port) => (ns, name, port) == ("istio-system", "istiod-1", 15014) ? pod.Endpoint : null,
        });
        using var client = new k8s.Kubernetes(server.ClientConfiguration());
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "istio-system" } });
        await PodHttpServer.CreateRunningPodAsync(client, "istio-system", "istiod-1", new() { ["app"] = "istiod" });
        using var api = new KubeApi(server.ClientConfiguration());
        using var http = new PortForwarder(api, "istio-system", "istiod-1", ProxyStatusCommand.MonitoringPort).CreateHttpClient(TimeSpan.FromSeconds(30));
        var output = new StringWriter();

        var exit = await ProxyStatusCommand.RunAsync(http, output, new StringWriter(), CancellationToken.None);

        Assert.Equal(0, exit);
        Assert.Matches(@"sidecar~web-1\.default\s+sidecar\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED", output.ToString());
    }

    [Fact]
    public async Task ProxyConfig_ThroughPortForwardToTheAdminPort_PrintsIstioctlTables()
    {
        await using var pod = await PodHttpServer.StartAsync(new Dictionary<string, string> { ["/config_dump"] = ConfigDump });
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions
        {
            PodPortTargets = (_, name, port) => (name, port) == ("web-1", ProxyConfigCommand.AdminPort) ? pod.Endpoint : null,
        });
        using var client = new k8s.Kubernetes(server.ClientConfiguration());
        await PodHttpServer.CreateRunningPodAsync(client, "default", "web-1", new() { ["app"] = "web" });
        using var api = new KubeApi(server.ClientConfiguration());
        using var http = new PortForwarder(api, "default", "web-1", ProxyConfigCommand.AdminPort).CreateHttpClient(TimeSpan.FromSeconds(30));

        var tables = new Dictionary<string, string>();
        foreach (var type in new[] { "cluster", "listener", "route", "endpoint" })
        {
            var output = new StringWriter();
            var errors = new StringWriter();
            Assert.True(await ProxyConfigCommand.RunAsync(http, type, json: false, output, errors, CancellationToken.None) == 0, type + ": " + errors);
            tables[type] = output.ToString();
        }

        Assert.Matches(@"backend\.default\.svc\.cluster\.local\s+80\s+-\s+outbound\s+outbound\|80\|\|backend", tables["cluster"]);
        Assert.Matches(@"0\.0\.0\.0_80\s+0\.0\.0\.0\s+80\s+Route: 80", tables["listener"]);
        Assert.Matches(@"80\s+backend\.default\.svc\.cluster\.local:80\s+backend, backend\.default\s+/api\*\s+backend\.default", tables["route"]);
        Assert.Matches(@"10\.0\.0\.7:8080\s+1\s+-\s+outbound\|80\|\|backend", tables["endpoint"]);
    }

    [Fact]
    public async Task ProxyConfig_PodPortRefused_SaysSoAndExitsOne()
    {
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { PodPortTargets = (_, _, _) => null });
        using var client = new k8s.Kubernetes(server.ClientConfiguration());
        await PodHttpServer.CreateRunningPodAsync(client, "default", "web-1", new() { ["app"] = "web" });
        using var api = new KubeApi(server.ClientConfiguration());
        using var http = new PortForwarder(api, "default", "web-1", ProxyConfigCommand.AdminPort).CreateHttpClient(TimeSpan.FromSeconds(30));
        var errors = new StringWriter();

        var exit = await ProxyConfigCommand.RunAsync(http, "cluster", json: false, new StringWriter(), errors, CancellationToken.None);

        Assert.Equal(1, exit);
        Assert.True(errors.ToString().Contains("connection refused", StringComparison.Ordinal), errors.ToString());
    }

    /// <summary>
    /// A refused forward's port prefixes, error and close arrive together, often before the client reads any of them
    /// (KubernetesClient's demuxer, reading them in the background, dropped the error or never ended its buffers about
    /// once in a hundred forwards). Every attempt must say why, and none may wait past its timeout.
    /// </summary>
    [Fact]
    public async Task ProxyConfig_PodPortRefusedOnManyForwards_EachSaysSoWithinItsTimeout()
    {
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions { PodPortTargets = (_, _, _) => null, MaxPortForwards = 1024 });
        using var client = new k8s.Kubernetes(server.ClientConfiguration());
        await PodHttpServer.CreateRunningPodAsync(client, "default", "web-1", new() { ["app"] = "web" });
        using var api = new KubeApi(server.ClientConfiguration());
        var attempts = new List<(int Exit, string Errors)>();

        for (var wave = 0; wave < 16; wave++)
        {
            attempts.AddRange(await Task.WhenAll(Enumerable.Range(0, 32).Select(async _ =>
            {
                using var http = new PortForwarder(api, "default", "web-1", ProxyConfigCommand.AdminPort).CreateHttpClient(TimeSpan.FromSeconds(10));
                var errors = new StringWriter();
                var exit = await ProxyConfigCommand.RunAsync(http, "cluster", json: false, new StringWriter(), errors, CancellationToken.None);
                return (exit, errors.ToString());
            })).WaitAsync(TimeSpan.FromSeconds(30)));
        }

        Assert.All(attempts, attempt =>
        {
            Assert.Equal(1, attempt.Exit);
            Assert.True(attempt.Errors.Contains("connection refused", StringComparison.Ordinal), attempt.Errors);
        });
    }

    /// <summary>Each add-on as deploy/addons declares it: its Service, the Service's port and target port, its pod's label and port.</summary>
    [Theory]
    [InlineData("kiali", "kiali", 20001, "20001", 20001, "/kiali")]
    [InlineData("jaeger", "tracing", 80, "16686", 16686, "/jaeger")]
    [InlineData("grafana", "grafana", 3000, "3000", 3000, "/")]
    [InlineData("prometheus", "prometheus", 9090, "9090", 9090, "/")]
    public async Task Dashboard_EachAddon_ForwardsALocalPortToThePodBehindItsService(string addon, string service, int servicePort, string targetPort, int containerPort, string path)
    {
        var body = $"{{\"ui\": \"{addon}\"}}";
        await using var pod = await PodHttpServer.StartAsync(new Dictionary<string, string> { [path] = body });
        await using var server = await TestApiServer.StartAsync(new TestApiServerOptions
        {
            PodPortTargets = (_, name, port) => (name, port) == ($"{addon}-1", containerPort) ? pod.Endpoint : null,
        });
        using var client = new k8s.Kubernetes(server.ClientConfiguration());
        await client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = "istio-system" } });
        await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new() { Name = service },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = addon },
                Ports = [new V1ServicePort { Port = servicePort, TargetPort = int.Parse(targetPort, System.Globalization.CultureInfo.InvariantCulture) }],
            },
        }, "istio-system");
        await PodHttpServer.CreateRunningPodAsync(client, "istio-system", $"{addon}-1", new() { ["app"] = addon }, containerPort, "http");
        using var stop = new CancellationTokenSource();
        var output = new FirstLine();

        var running = DashboardCommand.RunAsync(addon, "istio-system", 0, openBrowser: false, server.ClientConfiguration(), output, new StringWriter(), stop.Token);
        var line = await output.Line.WaitAsync(TimeSpan.FromSeconds(30));
        var prefix = $"{addon}: ";
        var url = line[prefix.Length..line.IndexOf(' ', prefix.Length)];
        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var answer = await http.GetStringAsync(url);
        await stop.CancelAsync();

        Assert.Matches($@"^http://127\.0\.0\.1:\d+{System.Text.RegularExpressions.Regex.Escape(path)}$", url);
        Assert.Equal(body, answer);
        Assert.Equal(0, await running);
        Assert.Contains($"forwarding to pod istio-system/{addon}-1 port {containerPort}", line, StringComparison.Ordinal);
    }

    /// <summary>Completes with the first line written.</summary>
    private sealed class FirstLine : StringWriter
    {
        private readonly TaskCompletionSource<string> _line = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<string> Line => _line.Task;

        public override void WriteLine(string? value) => _line.TrySetResult(value ?? "");
    }
}
