using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Pod;

namespace Mesh.Proxy.Tests.Pod;

/// <summary>The proxy's command line as the injected pod gives it (the brief's contract with injection), and its mistakes.</summary>
public sealed class PodCommandLineTests : IDisposable
{
    // Istio's golden injection output (pkg/kube/inject/testdata/inject/hello-probes.yaml.injected), verbatim.
    private const string GoldenProbers =
        """{"/app-health/hello/livez":{"httpGet":{"port":80}},"/app-health/hello/readyz":{"httpGet":{"port":3333}},"/app-health/world/livez":{"httpGet":{"port":90}},"/app-lifecycle/hello/poststartz":{"tcpSocket":{"port":93}},"/app-lifecycle/hello/prestopz":{"httpGet":{"port":91}}}""";

    private readonly string _folder = Directory.CreateTempSubdirectory("mesh-pod-").FullName;
    private readonly string _tokenFile;
    private readonly string _rootFile;

    public PodCommandLineTests()
    {
        _tokenFile = Path.Combine(_folder, "istio-token");
        _rootFile = Path.Combine(_folder, "root-cert.pem");
        File.WriteAllText(_tokenFile, "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln\n");
        File.WriteAllText(_rootFile, "not read at parse time");
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string[] PodArgs(string workload = "reviews-v1-5d8f9", string serviceAccount = "bookinfo-reviews") =>
    [
        "sidecar", "--workload", workload, "--namespace", "bookinfo", "--service-account", serviceAccount,
        "--discovery", "https://istiod.istio-system.svc:15012",
        "--ca-root-file", _rootFile, "--ca-token-file", _tokenFile,
        "--app", "127.0.0.1:9080", "--outbound-port", "15001", "--admin-port", "15000", "--bind", "10.244.0.7",
        "--status-port", "15020", "--readiness-port", "15021", "--metrics-port", "15090",
    ];

    [Fact]
    public void TryParse_TheInjectedArgs_AllApplied()
    {
        var options = ProxyCommandLine.TryParse(PodArgs(), out var error);

        Assert.True(options is not null, error);
        Assert.Equal(ProxyRole.Sidecar, options.Role);
        Assert.Equal(15020, options.Status.StatusPort);
        Assert.Equal(15021, options.Status.ReadinessPort);
        Assert.Equal(15090, options.MetricsPort);
        Assert.Equal("10.244.0.7", options.Bind);
        Assert.Equal(_tokenFile, options.Identity.TokenFile);
        Assert.Null(options.Identity.Token);
        Assert.Equal("spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews", options.Identity.ServiceAccountIdentity?.Uri);
        Assert.Equal("spiffe://cluster.local/ns/bookinfo/sa/bookinfo-reviews", CaToken.Identity(options.Identity).Uri);
    }

    [Theory]
    [InlineData("--workload", "$(POD_NAME)", "--workload '$(POD_NAME)': not expanded: is POD_NAME set in the container's env?")]
    [InlineData("--bind", "$(INSTANCE_IP)", "--bind '$(INSTANCE_IP)': not expanded: is INSTANCE_IP set in the container's env?")]
    [InlineData("--service-account", "$(SERVICE_ACCOUNT)", "--service-account '$(SERVICE_ACCOUNT)': not expanded: is SERVICE_ACCOUNT set in the container's env?")]
    public void TryParse_UnexpandedVariable_NamesTheVariable(string flag, string value, string expected)
    {
        var args = PodArgs();
        args[Array.IndexOf(args, flag) + 1] = value;

        Assert.Null(ProxyCommandLine.TryParse(args, out var error));
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_BothTokens_RefusedNamingBoth()
    {
        var token = new Mesh.Security.BootstrapToken(new byte[32]).Create(new Mesh.Security.SpiffeId("cluster.local", "bookinfo", "bookinfo-reviews"));

        Assert.Null(ProxyCommandLine.TryParse([.. PodArgs(), "--ca-token", token], out var error));
        Assert.Contains("--ca-token and --ca-token-file", error);
    }

    [Fact]
    public void TryParse_TokenFileWithoutServiceAccount_Refused()
    {
        var args = PodArgs().ToList();
        args.RemoveRange(args.IndexOf("--service-account"), 2);

        Assert.Null(ProxyCommandLine.TryParse([.. args], out var error));
        Assert.StartsWith("--ca-token-file needs --service-account SA", error);
    }

    [Fact]
    public void TryParse_ServiceAccountWithoutTokenFile_Refused()
    {
        var args = PodArgs().ToList();
        args.RemoveRange(args.IndexOf("--ca-token-file"), 2);

        Assert.Null(ProxyCommandLine.TryParse([.. args], out var error));
        Assert.StartsWith("--service-account: only with --ca-token-file", error);
    }

    [Fact]
    public void TryParse_MissingTokenFile_NamesTheFile()
    {
        var args = PodArgs();
        var missing = Path.Combine(_folder, "missing");
        args[Array.IndexOf(args, "--ca-token-file") + 1] = missing;

        Assert.Null(ProxyCommandLine.TryParse(args, out var error));
        Assert.Equal($"--ca-token-file '{missing}': no such file", error);
    }

    [Fact]
    public void TryParse_EmptyTokenFile_Refused()
    {
        File.WriteAllText(_tokenFile, "\n");

        Assert.Null(ProxyCommandLine.TryParse(PodArgs(), out var error));
        Assert.Contains("is empty", error);
    }

    [Fact]
    public void TryParse_ServiceAccountNotASegment_Refused()
    {
        Assert.Null(ProxyCommandLine.TryParse(PodArgs(serviceAccount: "a/b"), out var error));
        Assert.StartsWith("--service-account 'a/b'", error);
    }

    [Fact]
    public void TryApply_TrustDomain_FlagThenEnvironmentThenDefault()
    {
        var values = new Dictionary<string, string> { ["--ca-token-file"] = _tokenFile, ["--service-account"] = "cart" };
        var options = Parse(["router", "--workload", "gw", "--namespace", "shop", "--discovery", "http://127.0.0.1:1", "--admin-port", "0"]);

        Assert.Equal("spiffe://cluster.local/ns/shop/sa/cart", Identity(options, values, _ => null));
        Assert.Equal("spiffe://mesh.example.org/ns/shop/sa/cart", Identity(options, values, name => name == "TRUST_DOMAIN" ? "mesh.example.org" : null));
        values["--trust-domain"] = "flag.example.org";
        Assert.Equal("spiffe://flag.example.org/ns/shop/sa/cart", Identity(options, values, name => name == "TRUST_DOMAIN" ? "mesh.example.org" : null));
    }

    [Fact]
    public void TryParse_StatusPortIsTheReadinessPort_Refused()
    {
        var args = PodArgs();
        args[Array.IndexOf(args, "--readiness-port") + 1] = "15020";

        Assert.Null(ProxyCommandLine.TryParse(args, out var error));
        Assert.Equal("--status-port 15020: already the --readiness-port", error);
    }

    [Fact]
    public void TryApply_IstiosGoldenProbers_EveryProbeParsed()
    {
        var options = Status(new() { [AppProbeParser.Variable] = GoldenProbers }, out var error);

        Assert.True(options is not null, error);
        var probes = options.Status.AppProbes;
        Assert.Equal(5, probes.Count);
        var live = probes["/app-health/hello/livez"];
        Assert.Equal((AppProbeKind.HttpGet, 80, "/", false, (string?)null), (live.Kind, live.Port, live.HttpPath, live.Https, live.Host));
        Assert.Equal(AppProbeParser.DefaultTimeout, live.Timeout);
        Assert.Equal((AppProbeKind.TcpSocket, 93), (probes["/app-lifecycle/hello/poststartz"].Kind, probes["/app-lifecycle/hello/poststartz"].Port));
        Assert.Equal(91, probes["/app-lifecycle/hello/prestopz"].Port);
    }

    [Fact]
    public void TryApply_EveryFieldOfAProbe_Parsed()
    {
        const string json = """
            {"/app-health/web/readyz":{"httpGet":{"path":"healthz","port":8443,"host":"10.0.0.9","scheme":"HTTPS","httpHeaders":[{"name":"X-Probe","value":"1"}]},"timeoutSeconds":3},
             "/app-health/api/livez":{"grpc":{"port":9090,"service":"api.v1"},"timeoutSeconds":2}}
            """;
        var options = Status(new() { [AppProbeParser.Variable] = json }, out var error);

        Assert.True(options is not null, error);
        var web = options.Status.AppProbes["/app-health/web/readyz"];
        Assert.Equal(("/healthz", 8443, "10.0.0.9", true, TimeSpan.FromSeconds(3)), (web.HttpPath, web.Port, web.Host, web.Https, web.Timeout));
        Assert.Equal(new KeyValuePair<string, string>("X-Probe", "1"), Assert.Single(web.Headers));
        var api = options.Status.AppProbes["/app-health/api/livez"];
        Assert.Equal((AppProbeKind.Grpc, 9090, "api.v1"), (api.Kind, api.Port, api.GrpcService));
    }

    [Theory]
    [InlineData("""{"/healthz/web/livez":{"httpGet":{"port":80}}}""", "'/healthz/web/livez': expected /app-health/<container>/")]
    [InlineData("""{"/app-health/web/livez":{"httpGet":{"port":80},"tcpSocket":{"port":80}}}""", "more than one of httpGet, tcpSocket, grpc")]
    [InlineData("""{"/app-health/web/livez":{"httpGet":{"port":"http"}}}""", "httpGet.port: expected a port number (1-65535), not \"http\"")]
    [InlineData("""{"/app-health/web/livez":{"exec":{"command":["true"]}}}""", "unknown field 'exec'")]
    [InlineData("""{"/app-health/web/livez":{"httpGet":{"port":80,"scheme":"FTP"}}}""", "httpGet.scheme 'FTP'")]
    [InlineData("""{"/app-health/web/livez":{"httpGet":{"port":80,"host":5}}}""", "host: expected a string, not 5")]
    [InlineData("""{"/app-health/web/livez":{"tcpSocket":{}}}""", "tcpSocket.port: required")]
    [InlineData("""{"/app-health/web/livez":""", "not JSON")]
    public void TryApply_BadProbers_ErrorNamesThePathAndField(string json, string expected)
    {
        Assert.Null(Status(new() { [AppProbeParser.Variable] = json }, out var error));
        Assert.StartsWith("$ISTIO_KUBE_APP_PROBERS: ", error);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void TryApply_ProbersWithoutStatusPort_Refused()
    {
        var values = new Dictionary<string, string>();
        Assert.Null(StatusCommandLine.TryApply(Parse(PodArgsWithout("--status-port")), values, name => name == AppProbeParser.Variable ? GoldenProbers : null, out var error));
        Assert.Contains("no --status-port", error);
    }

    [Theory]
    [InlineData("""{"scrape":"true","path":"/stats","port":"8080"}""", 8080, "/stats")]
    [InlineData("""{"scrape":"true"}""", 80, "/metrics")]
    public void TryApply_PrometheusAnnotations_IstiosDefaults(string json, int port, string path)
    {
        var options = Status(new() { [AppMetricsScrape.Variable] = json }, out var error);

        Assert.True(options is not null, error);
        Assert.Equal(new AppMetricsScrape(port, path), options.Status.AppMetrics);
    }

    [Fact]
    public void TryApply_PrometheusScrapeFalse_NoMerge()
    {
        var options = Status(new() { [AppMetricsScrape.Variable] = """{"scrape":"false","port":"8080"}""" }, out var error);
        Assert.True(options is not null, error);
        Assert.Null(options.Status.AppMetrics);
    }

    [Theory]
    [InlineData("""{"scrape":"true","port":"15020"}""", "port 15020 is the status port itself")]
    [InlineData("""{"scrape":"true","port":"http"}""", "port 'http'")]
    [InlineData("""{"scrape":"true","port":8080}""", "'port' must be a string")]
    [InlineData("""{"scheme":"https"}""", "unknown field 'scheme'")]
    public void TryApply_BadPrometheusAnnotations_Refused(string json, string expected)
    {
        Assert.Null(Status(new() { [AppMetricsScrape.Variable] = json }, out var error));
        Assert.Contains(expected, error);
    }

    [Fact]
    public void TryApply_PrometheusAnnotationsOnAGateway_IgnoredWithAWarning()
    {
        var gateway = Parse(["router", "--workload", "gw", "--namespace", "istio-system", "--discovery", "http://127.0.0.1:1", "--admin-port", "0"]);
        var options = StatusCommandLine.TryApply(gateway, new Dictionary<string, string> { ["--status-port"] = "15020" },
            name => name == AppMetricsScrape.Variable ? """{"scrape":"true","port":"8080"}""" : null, out var error);

        Assert.True(options is not null, error);
        Assert.Null(options.Status.AppMetrics);
        Assert.Contains("only a sidecar merges", Assert.Single(options.Status.Warnings));
    }

    private ProxyOptions? Status(Dictionary<string, string> environment, out string error) =>
        StatusCommandLine.TryApply(Parse(PodArgsWithout("--status-port")), new Dictionary<string, string> { ["--status-port"] = "15020" },
            name => environment.GetValueOrDefault(name), out error);

    private string[] PodArgsWithout(string flag)
    {
        var args = PodArgs().ToList();
        args.RemoveRange(args.IndexOf(flag), 2);
        return [.. args];
    }

    private static string? Identity(ProxyOptions options, Dictionary<string, string> values, Func<string, string?> environment) =>
        (IdentityCommandLine.TryApply(options, values, environment, out var error) ?? throw new InvalidOperationException(error)).Identity.ServiceAccountIdentity?.Uri;

    private static ProxyOptions Parse(string[] args) => ProxyCommandLine.TryParse(args, out var error) ?? throw new InvalidOperationException(error);
}
