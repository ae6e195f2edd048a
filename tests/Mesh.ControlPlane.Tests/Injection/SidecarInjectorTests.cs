using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Mesh.Injection;

namespace Mesh.ControlPlane.Tests.Injection;

/// <summary>
/// The injected pod's parts beyond the goldens: the classic sidecar and holding the application, Istio's annotations
/// (capture, resources, image, probe rewrite, metrics merge), the owner derivation, and kube-inject's other kinds.
/// </summary>
public sealed class SidecarInjectorTests
{
    private const string AppContainer = """{"name":"app","image":"app","ports":[{"containerPort":8080}]}""";

    [Fact]
    public void Inject_ClassicWithHoldAnnotation_ProxyFirstAndWaitsForReadiness()
    {
        var pod = Inject("""{"sidecar.istio.io/nativeSidecar":"false","proxy.istio.io/config":"holdApplicationUntilProxyStarts: true"}""");

        Assert.Equal(["istio-proxy", "app"], pod.Spec.Containers.Select(c => c.Name));
        Assert.Equal(["istio-init"], pod.Spec.InitContainers.Select(c => c.Name));
        var proxy = pod.Spec.Containers[0];
        Assert.Null(proxy.RestartPolicy);
        Assert.Equal(["mesh-proxy", "wait", "--readiness-port", "15021"], proxy.Lifecycle.PostStart.Exec.Command);
        Assert.Contains("\"containers\":[\"istio-proxy\"]", pod.Metadata.Annotations["sidecar.istio.io/status"], StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_ClassicWithoutHold_ProxyLastAndCaptureAfterAppInitContainers()
    {
        var body = AdmissionHandlerTests.Review("default",
            $$$"""{"metadata":{"name":"p"},"spec":{"initContainers":[{"name":"setup","image":"s"}],"containers":[{{{AppContainer}}}]}}""");

        var pod = AdmissionHandlerTests.PatchedPod(body, settings: new InjectionSettings { NativeSidecars = false });

        Assert.Equal(["app", "istio-proxy"], pod.Spec.Containers.Select(c => c.Name));
        Assert.Equal(["setup", "istio-init"], pod.Spec.InitContainers.Select(c => c.Name));
        Assert.Null(pod.Spec.Containers[1].Lifecycle);
    }

    [Fact]
    public void Inject_ProxyConfigAnnotation_ConcurrencyDrainAndMetadataReachTheProxy()
    {
        var config = "concurrency: 1\nterminationDrainDuration: 20s\nproxyMetadata:\n  OTEL_SERVICE_NAME: payments\n  TRUST_DOMAIN: example.org\n";
        var pod = Inject($$"""{"proxy.istio.io/config":{{System.Text.Json.JsonSerializer.Serialize(config)}}}""");

        var proxy = pod.Spec.InitContainers[1];
        var args = proxy.Args.ToList();
        Assert.Equal("20", args[args.IndexOf("--termination-drain-duration") + 1]);
        var env = proxy.Env.ToDictionary(e => e.Name, e => e.Value);
        Assert.Equal("1", env["DOTNET_PROCESSOR_COUNT"]);
        Assert.Equal("payments", env["OTEL_SERVICE_NAME"]);
        // A metadata variable replaces the template's own of that name, so the proxy reads one value.
        Assert.Equal("example.org", Assert.Single(proxy.Env, e => e.Name == "TRUST_DOMAIN").Value);
    }

    [Fact]
    public void Inject_ProxyMetadataTheProxyDoesNotRead_SetAndWarned()
    {
        var body = AdmissionHandlerTests.Review("default", $$$"""{"metadata":{"name":"p","annotations":{"proxy.istio.io/config":"proxyMetadata: {ISTIO_META_DNS_CAPTURE: 'true', OTEL_SERVICE_NAME: cart}"}},"spec":{"containers":[{{{AppContainer}}}]}}""");

        var answer = AdmissionHandlerTests.Respond(body)["response"]!;

        Assert.True(answer["allowed"]!.GetValue<bool>());
        var warning = Assert.Single(((System.Text.Json.Nodes.JsonArray)answer["warnings"]!).Select(item => item!.GetValue<string>()));
        Assert.Contains("proxyMetadata ISTIO_META_DNS_CAPTURE is set in the proxy's environment, but this proxy does not read it", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_MeshDefaults_ApplyUnlessTheAnnotationSetsItsOwn()
    {
        var settings = new InjectionSettings { Concurrency = 2, TerminationDrainDuration = TimeSpan.FromSeconds(45) };
        Dictionary<string, string> EnvOf(V1Pod pod) => pod.Spec.InitContainers[1].Env.ToDictionary(e => e.Name, e => e.Value ?? "");
        string DrainOf(V1Pod pod) => pod.Spec.InitContainers[1].Args[pod.Spec.InitContainers[1].Args.IndexOf("--termination-drain-duration") + 1];

        var defaults = AdmissionHandlerTests.PatchedPod(AdmissionHandlerTests.Review("default", $$$"""{"metadata":{"name":"p"},"spec":{"containers":[{{{AppContainer}}}]}}"""), settings: settings);
        var own = AdmissionHandlerTests.PatchedPod(AdmissionHandlerTests.Review("default",
            $$$"""{"metadata":{"name":"p","annotations":{"proxy.istio.io/config":"{concurrency: 0, terminationDrainDuration: 2s}"}},"spec":{"containers":[{{{AppContainer}}}]}}"""), settings: settings);

        Assert.Equal(("2", "45"), (EnvOf(defaults)["DOTNET_PROCESSOR_COUNT"], DrainOf(defaults)));
        Assert.False(EnvOf(own).ContainsKey("DOTNET_PROCESSOR_COUNT"));
        Assert.Equal("2", DrainOf(own));
    }

    [Fact]
    public void Inject_ProxyConfigAnnotationConcurrencyZero_EveryCoreSoNoVariable()
    {
        var pod = Inject("""{"proxy.istio.io/config":"concurrency: 0"}""");

        Assert.DoesNotContain(pod.Spec.InitContainers[1].Env, e => e.Name == "DOTNET_PROCESSOR_COUNT");
        Assert.DoesNotContain("--termination-drain-duration", pod.Spec.InitContainers[1].Args);
    }

    [Fact]
    public void Inject_ProxyConfigAnnotationTracingSampling_ThePodsOwnOverTheMeshsUnlessTracingIsOff()
    {
        var config = System.Text.Json.JsonSerializer.Serialize("tracing:\n  sampling: 12.5\n  zipkin: {address: z:9411}\n");
        var annotation = $$"""{"proxy.istio.io/config":{{config}}}""";
        string SamplingOf(V1Pod pod) => pod.Spec.InitContainers[1].Args[pod.Spec.InitContainers[1].Args.IndexOf("--trace-sampling") + 1];
        var review = AdmissionHandlerTests.Review("default", $$$"""{"metadata":{"name":"p","annotations":{{{annotation}}}},"spec":{"containers":[{{{AppContainer}}}]}}""");

        var own = AdmissionHandlerTests.PatchedPod(review, settings: new InjectionSettings { TraceSampling = 1 });
        var off = AdmissionHandlerTests.PatchedPod(review, settings: new InjectionSettings { TraceSampling = 0, TracingEnabled = false });
        var warnings = new AdmissionHandler(new SidecarInjector(new InjectionSettings { TraceSampling = 0, TracingEnabled = false }))
            .Handle(System.Text.Encoding.UTF8.GetBytes(review), "application/json", "/inject").Warnings;

        Assert.Equal("12.5", SamplingOf(own));
        // As in Istio: enableTracing false leaves the proxy no tracer for the pod's sampling to set.
        Assert.Equal("0", SamplingOf(off));
        Assert.Equal(
            ["annotation proxy.istio.io/config: field tracing.zipkin is not implemented by this mesh's injector and has no effect",
             "annotation proxy.istio.io/config: tracing.sampling has no effect: meshConfig enableTracing is false (a Telemetry naming a tracing provider still traces this pod)"],
            warnings);
    }

    [Theory]
    [InlineData("warning", "Warning")]
    [InlineData("debug", "Debug")]
    [InlineData("off", "None")]
    public void Inject_LogLevelAnnotation_TheProxysMinimumLevel(string level, string dotnet)
    {
        var pod = Inject($$"""{"sidecar.istio.io/logLevel":"{{level}}"}""");

        Assert.Equal(dotnet, AdmissionHandlerTests.Env(pod.Spec.InitContainers[1], "Logging__LogLevel__Default"));
        Assert.Null(AdmissionHandlerTests.Env(Inject("{}").Spec.InitContainers[1], "Logging__LogLevel__Default"));
    }

    [Fact]
    public void Inject_UserVolumeAndMount_ThePodGetsTheVolumeAndTheProxyMountsIt()
    {
        var pod = Inject("""{"sidecar.istio.io/userVolume":"{\"upstream-ca\":{\"secret\":{\"secretName\":\"payments-ca\"}}}","sidecar.istio.io/userVolumeMount":"{\"upstream-ca\":{\"mountPath\":\"/etc/upstream-ca\",\"readOnly\":true}}"}""");

        var volume = Assert.Single(pod.Spec.Volumes, v => v.Name == "upstream-ca");
        Assert.Equal("payments-ca", volume.Secret.SecretName);
        var mount = Assert.Single(pod.Spec.InitContainers[1].VolumeMounts, m => m.Name == "upstream-ca");
        Assert.Equal(("/etc/upstream-ca", true), (mount.MountPath, mount.ReadOnlyProperty));
    }

    [Theory]
    [InlineData("sidecar.istio.io/userVolume", "[1]", "expected a JSON object of names to volumes")]
    [InlineData("sidecar.istio.io/userVolume", "{not json", "not valid JSON")]
    [InlineData("sidecar.istio.io/userVolume", "{\\\"istio-envoy\\\":{\\\"emptyDir\\\":{}}}", "the pod already has a volume named istio-envoy")]
    [InlineData("sidecar.istio.io/userVolumeMount", "{\\\"m\\\":3}", "m: expected an object")]
    public void Inject_BadUserVolume_RefusedNamingTheAnnotation(string key, string value, string reason)
    {
        var body = AdmissionHandlerTests.Review("default", $$$"""{"metadata":{"name":"p","annotations":{"{{{key}}}":"{{{value}}}"}},"spec":{"containers":[{{{AppContainer}}}]}}""");

        var answer = AdmissionHandlerTests.Respond(body)["response"]!;

        Assert.False(answer["allowed"]!.GetValue<bool>());
        Assert.Contains($"annotation {key}: {reason}", answer["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_ReadinessAnnotations_TheProxysProbeTiming()
    {
        var pod = Inject("""{"readiness.status.sidecar.istio.io/initialDelaySeconds":"5","readiness.status.sidecar.istio.io/periodSeconds":"3","readiness.status.sidecar.istio.io/failureThreshold":"30"}""");
        var defaults = Inject("{}");

        var probe = pod.Spec.InitContainers[1].ReadinessProbe;
        Assert.Equal((5, 3, 30), (probe.InitialDelaySeconds, probe.PeriodSeconds, probe.FailureThreshold));
        var template = defaults.Spec.InitContainers[1].ReadinessProbe;
        Assert.Equal((null, 15, 4), (template.InitialDelaySeconds, template.PeriodSeconds, template.FailureThreshold));
    }

    [Fact]
    public void Inject_StatusPortAnnotation_ProbesMetricsAndCaptureFollowIt()
    {
        var pod = InjectWithProbeAndMetrics("15030");

        var proxyArgs = pod.Spec.InitContainers[1].Args.ToList();
        Assert.Equal("15030", proxyArgs[proxyArgs.IndexOf("--status-port") + 1]);
        Assert.Equal("15030", pod.Spec.Containers[0].LivenessProbe.HttpGet.Port.Value);
        Assert.Equal("15030", pod.Metadata.Annotations["prometheus.io/port"]);
        var captureArgs = pod.Spec.InitContainers[0].Args.ToList();
        Assert.Equal("15090,15021,15030", captureArgs[captureArgs.IndexOf("-d") + 1]);
    }

    [Fact]
    public void Inject_StatusPortZero_NoStatusServerAndTheAppsProbesAndMetricsLeftAsTheyAre()
    {
        var body = ReviewWithProbeAndMetrics("0");

        var answer = AdmissionHandlerTests.Respond(body)["response"]!;
        var pod = AdmissionHandlerTests.PatchedPod(body);

        Assert.DoesNotContain("--status-port", pod.Spec.InitContainers[1].Args);
        Assert.Equal("8080", pod.Spec.Containers[0].LivenessProbe.HttpGet.Port.Value);
        Assert.Equal("9090", pod.Metadata.Annotations["prometheus.io/port"]);
        Assert.Null(AdmissionHandlerTests.Env(pod.Spec.InitContainers[1], "ISTIO_KUBE_APP_PROBERS"));
        Assert.Null(AdmissionHandlerTests.Env(pod.Spec.InitContainers[1], "ISTIO_PROMETHEUS_ANNOTATIONS"));
        var captureArgs = pod.Spec.InitContainers[0].Args.ToList();
        Assert.Equal("15090,15021,", captureArgs[captureArgs.IndexOf("-d") + 1]);
        // The readiness probe is on the proxy's readiness port, not the status port, so it stays.
        Assert.Equal("15021", pod.Spec.InitContainers[1].ReadinessProbe.HttpGet.Port.Value);
        var warning = Assert.Single(((JsonArray)answer["warnings"]!).Select(item => item!.GetValue<string>()));
        Assert.Contains("status.sidecar.istio.io/port: 0, so the proxy serves no status port", warning, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("status", "\"status\" is not a port")]
    [InlineData("70000", "\"70000\" is not a port")]
    [InlineData("-1", "\"-1\" is not a port")]
    [InlineData("15021", "15021 is already the proxy's readiness port")]
    [InlineData("15090", "15090 is already the proxy's metrics port")]
    [InlineData("15006", "15006 is already the proxy's inbound capture port")]
    public void Inject_BadStatusPort_RefusedNamingIt(string value, string reason)
    {
        var answer = AdmissionHandlerTests.Respond(ReviewWithProbeAndMetrics(value))["response"]!;

        Assert.False(answer["allowed"]!.GetValue<bool>());
        Assert.Contains($"annotation status.sidecar.istio.io/port: {reason}", answer["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("readiness.status.sidecar.istio.io/periodSeconds", "-1")]
    [InlineData("readiness.status.sidecar.istio.io/failureThreshold", "often")]
    [InlineData("sidecar.istio.io/logLevel", "verbose")]
    public void Inject_BadReadinessAnnotation_RefusedNamingIt(string key, string value)
    {
        var body = AdmissionHandlerTests.Review("default", $$$"""{"metadata":{"name":"p","annotations":{"{{{key}}}":"{{{value}}}"}},"spec":{"containers":[{{{AppContainer}}}]}}""");

        var answer = AdmissionHandlerTests.Respond(body)["response"]!;

        Assert.False(answer["allowed"]!.GetValue<bool>());
        Assert.Contains($"annotation {key}: \"{value}\" is not a ", answer["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tracing: {sampling: 101}", "tracing.sampling: \"101\" is not a percentage from 0 to 100")]
    [InlineData("tracing: {sampling: often}", "tracing.sampling: \"often\" is not a percentage from 0 to 100")]
    [InlineData("tracing: 10", "tracing: expected a mapping")]
    [InlineData("concurrency: two", "concurrency: \"two\" is not a number of workers")]
    [InlineData("concurrency: -1", "concurrency: \"-1\" is not a number of workers")]
    [InlineData("terminationDrainDuration: soon", "terminationDrainDuration: \"soon\" is not a duration")]
    [InlineData("proxyMetadata: [A]", "proxyMetadata: expected a map of environment variables")]
    public void Inject_BadProxyConfigAnnotation_RefusedNamingTheField(string config, string reason)
    {
        var body = AdmissionHandlerTests.Review("default", $$$"""{"metadata":{"name":"p","annotations":{"proxy.istio.io/config":{{{System.Text.Json.JsonSerializer.Serialize(config)}}}}},"spec":{"containers":[{{{AppContainer}}}]}}""");

        var answer = AdmissionHandlerTests.Respond(body)["response"]!;

        Assert.False(answer["allowed"]!.GetValue<bool>());
        Assert.Contains($"annotation proxy.istio.io/config: {reason}", answer["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_ProxyCommandLine_IsTheContract()
    {
        var pod = Inject("null");

        var proxy = pod.Spec.InitContainers[1];
        Assert.Equal(["mesh-proxy"], proxy.Command);
        Assert.Equal(
            ["sidecar", "--workload", "$(POD_NAME)", "--namespace", "$(POD_NAMESPACE)", "--service-account", "$(SERVICE_ACCOUNT)",
             "--discovery", "https://istiod.istio-system.svc:15012", "--ca-root-file", "/var/run/secrets/istio/root-cert.pem",
             "--ca-token-file", "/var/run/secrets/tokens/istio-token", "--app", "127.0.0.1:8080", "--outbound-port", "15001",
             "--inbound-capture-port", "15006", "--admin-port", "15000", "--bind", "$(INSTANCE_IP)", "--status-port", "15020", "--readiness-port", "15021", "--metrics-port", "15090"],
            proxy.Args);
        Assert.Equal(["mesh-proxy"], pod.Spec.InitContainers[0].Command);
        Assert.Equal(["iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020"],
            pod.Spec.InitContainers[0].Args);
    }

    [Theory]
    [InlineData(true, "[\"istio-proxy\"]")]
    [InlineData(false, "null")]
    public void Inject_InterceptionModeNone_NoCaptureContainerAndNoCapturePort(bool native, string statusInitContainers)
    {
        var body = AdmissionHandlerTests.Review("default",
            $$$"""{"metadata":{"name":"p","annotations":{"sidecar.istio.io/interceptionMode":"NONE"}},"spec":{"containers":[{{{AppContainer}}}]}}""");

        var pod = AdmissionHandlerTests.PatchedPod(body, settings: new InjectionSettings { NativeSidecars = native });

        var proxy = Assert.Single(pod.Spec.InitContainers.Concat(pod.Spec.Containers), c => c.Name == "istio-proxy");
        Assert.DoesNotContain(pod.Spec.InitContainers, c => c.Name == "istio-init");
        Assert.DoesNotContain("--inbound-capture-port", proxy.Args);
        var status = JsonNode.Parse(pod.Metadata.Annotations["sidecar.istio.io/status"])!;
        Assert.Equal(statusInitContainers, status["initContainers"]?.ToJsonString() ?? "null");
    }

    [Fact]
    public void Inject_TrafficAnnotations_MapToIstiosCaptureFlags()
    {
        var pod = Inject("""
            {"traffic.sidecar.istio.io/includeOutboundIPRanges":"10.0.0.0/8","traffic.sidecar.istio.io/excludeOutboundIPRanges":"10.96.0.1/32",
             "traffic.sidecar.istio.io/includeInboundPorts":"8080","traffic.sidecar.istio.io/excludeInboundPorts":"9000",
             "traffic.sidecar.istio.io/includeOutboundPorts":"443","traffic.sidecar.istio.io/excludeOutboundPorts":"5432",
             "traffic.sidecar.istio.io/kubevirtInterfaces":"net1","traffic.sidecar.istio.io/excludeInterfaces":"eth1"}
            """);

        Assert.Equal(
            ["iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "10.0.0.0/8", "-x", "10.96.0.1/32", "-b", "8080",
             "-d", "15090,15021,9000,15020", "-q", "443", "-o", "5432", "-k", "net1", "-c", "eth1"],
            pod.Spec.InitContainers[0].Args);
    }

    [Fact]
    public void Inject_ResourceAndImageAnnotations_OverrideTheDefaults()
    {
        var pod = Inject("""{"sidecar.istio.io/proxyCPU":"250m","sidecar.istio.io/proxyMemoryLimit":"512Mi","sidecar.istio.io/proxyImage":"registry.local/proxy:1"}""");

        var proxy = pod.Spec.InitContainers[1];
        Assert.Equal("registry.local/proxy:1", proxy.Image);
        Assert.Equal(["cpu"], proxy.Resources.Requests.Keys);
        Assert.Equal("250m", proxy.Resources.Requests["cpu"].ToString());
        Assert.Equal(["memory"], proxy.Resources.Limits.Keys);
        Assert.Equal("512Mi", proxy.Resources.Limits["memory"].ToString());
    }

    [Fact]
    public void Inject_AppPrometheusAnnotations_PassedToProxyAndOverwritten()
    {
        var pod = Inject("""{"prometheus.io/scrape":"true","prometheus.io/port":"9090","prometheus.io/path":"/metrics"}""");

        Assert.Equal("15020", pod.Metadata.Annotations["prometheus.io/port"]);
        Assert.Equal("/stats/prometheus", pod.Metadata.Annotations["prometheus.io/path"]);
        var scrape = JsonNode.Parse(AdmissionHandlerTests.Env(pod.Spec.InitContainers[1], "ISTIO_PROMETHEUS_ANNOTATIONS")!)!;
        InjectionData.AssertJsonEqual(JsonNode.Parse("""{"scrape":"true","path":"/metrics","port":"9090"}"""), scrape, "ISTIO_PROMETHEUS_ANNOTATIONS");
    }

    [Theory]
    [InlineData("""{"prometheus.io/scrape":"false"}""")]
    [InlineData("""{"prometheus.istio.io/merge-metrics":"false"}""")]
    public void Inject_ScrapeOrMergeOff_PrometheusAnnotationsLeftAlone(string annotations)
    {
        var pod = Inject(annotations);

        Assert.False(pod.Metadata.Annotations.ContainsKey("prometheus.io/port"));
        Assert.Null(AdmissionHandlerTests.Env(pod.Spec.InitContainers[1], "ISTIO_PROMETHEUS_ANNOTATIONS"));
    }

    [Fact]
    public void Inject_TcpGrpcAndHttpsProbes_RewrittenWithIstiosProbers()
    {
        var body = AdmissionHandlerTests.Review("default", """
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"app","ports":[{"name":"web","containerPort":8443}],
              "readinessProbe":{"tcpSocket":{"port":7000},"timeoutSeconds":2},
              "livenessProbe":{"grpc":{"port":9000}},
              "startupProbe":{"httpGet":{"port":"web","path":"/start","scheme":"HTTPS","httpHeaders":[{"name":"X","value":"1"}]}}}]}}
            """);

        var pod = AdmissionHandlerTests.PatchedPod(body);

        var app = pod.Spec.Containers[0];
        Assert.Equal("/app-health/app/readyz", app.ReadinessProbe.HttpGet.Path);
        Assert.Null(app.ReadinessProbe.TcpSocket);
        Assert.Equal(2, app.ReadinessProbe.TimeoutSeconds);
        Assert.Null(app.LivenessProbe.Grpc);
        Assert.Equal("15020", app.LivenessProbe.HttpGet.Port.Value);
        Assert.Equal("HTTP", app.StartupProbe.HttpGet.Scheme);
        var probers = JsonNode.Parse(AdmissionHandlerTests.Env(pod.Spec.InitContainers[1], "ISTIO_KUBE_APP_PROBERS")!);
        InjectionData.AssertJsonEqual(JsonNode.Parse("""
            {"/app-health/app/livez":{"grpc":{"port":9000,"service":null}},
             "/app-health/app/readyz":{"tcpSocket":{"port":7000},"timeoutSeconds":2},
             "/app-health/app/startupz":{"httpGet":{"path":"/start","port":8443,"scheme":"HTTPS","httpHeaders":[{"name":"X","value":"1"}]}}}
            """), probers, "ISTIO_KUBE_APP_PROBERS");
    }

    [Fact]
    public void Inject_RewriteDisabled_ProbesUntouched()
    {
        var body = AdmissionHandlerTests.Review("default", """
            {"metadata":{"name":"p","annotations":{"sidecar.istio.io/rewriteAppHTTPProbers":"false"}},"spec":{"containers":[{"name":"app","image":"app","readinessProbe":{"httpGet":{"port":8080}}}]}}
            """);

        var pod = AdmissionHandlerTests.PatchedPod(body);

        Assert.Equal("8080", pod.Spec.Containers[0].ReadinessProbe.HttpGet.Port.Value);
        Assert.Null(AdmissionHandlerTests.Env(pod.Spec.InitContainers[1], "ISTIO_KUBE_APP_PROBERS"));
    }

    [Theory]
    [InlineData("Job", "pi-28473920", "", "CronJob", "pi", "batch/v1")]
    [InlineData("StatefulSet", "db", "", "StatefulSet", "db", "apps/v1")]
    [InlineData("ReplicaSet", "web-5d9c7b", "5d9c7b", "Deployment", "web", "apps/v1")]
    public void Inject_GeneratedPod_OwnerAsIstioDerivesIt(string kind, string ownerName, string hash, string expectedKind, string expectedName, string apiVersion)
    {
        var labels = hash.Length == 0 ? "null" : $$$"""{"pod-template-hash":"{{{hash}}}"}""";
        var body = AdmissionHandlerTests.Review("shop", $$$"""
            {"metadata":{"generateName":"{{{ownerName}}}-","labels":{{{labels}}},"ownerReferences":[{"apiVersion":"{{{(kind == "Job" ? "batch/v1" : "apps/v1")}}}","kind":"{{{kind}}}","name":"{{{ownerName}}}","uid":"1","controller":true}]},
             "spec":{"containers":[{"name":"app","image":"app"}]}}
            """);

        var pod = AdmissionHandlerTests.PatchedPod(body);

        var proxy = pod.Spec.InitContainers[1];
        Assert.Equal(expectedName, AdmissionHandlerTests.Env(proxy, "ISTIO_META_WORKLOAD_NAME"));
        Assert.Equal($"kubernetes://apis/{apiVersion}/namespaces/shop/{expectedKind.ToLowerInvariant()}s/{expectedName}", AdmissionHandlerTests.Env(proxy, "ISTIO_META_OWNER"));
    }

    [Fact]
    public void Inject_GeneratedPodWithoutController_NamedByItsPrefix()
    {
        var pod = AdmissionHandlerTests.PatchedPod(AdmissionHandlerTests.Review("shop", """{"metadata":{"generateName":"batch-"},"spec":{"containers":[{"name":"app","image":"app"}]}}"""));

        Assert.Equal("batch", AdmissionHandlerTests.Env(pod.Spec.InitContainers[1], "ISTIO_META_WORKLOAD_NAME"));
        Assert.Equal("batch", pod.Metadata.Labels["service.istio.io/canonical-name"]);
    }

    [Fact]
    public void KubeInject_MixedStream_InjectsWorkloadsAndPassesOtherKindsThrough()
    {
        const string service = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web # the front door\nspec:\n  ports:\n  - port: 80\n";
        var yaml = service + "---\n" + """
            apiVersion: batch/v1
            kind: CronJob
            metadata:
              name: nightly
              namespace: ops
            spec:
              schedule: "0 1 * * *"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: OnFailure
                      containers:
                      - name: job
                        image: job
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: skipped
            spec:
              selector: {matchLabels: {app: s}}
              template:
                metadata:
                  labels: {app: s, sidecar.istio.io/inject: "false"}
                spec:
                  containers: [{name: s, image: s}]
            """;
        var warnings = new List<string>();

        var output = ResourceInjector.Inject(yaml, new SidecarInjector(new InjectionSettings()), warnings);

        var documents = output.Split("---\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, documents.Length);
        Assert.Equal(service, documents[0]);
        var cron = KubernetesYaml.Deserialize<V1CronJob>(documents[1]);
        var template = cron.Spec.JobTemplate.Spec.Template;
        Assert.Equal(["istio-init", "istio-proxy"], template.Spec.InitContainers.Select(c => c.Name));
        Assert.Equal("kubernetes://apis/batch/v1/namespaces/ops/cronjobs/nightly", AdmissionHandlerTests.Env(template.Spec.InitContainers[1], "ISTIO_META_OWNER"));
        Assert.True(template.Metadata.Annotations.ContainsKey("sidecar.istio.io/status"));
        Assert.Null(KubernetesYaml.Deserialize<V1Deployment>(documents[2]).Spec.Template.Spec.InitContainers);
        Assert.Contains(warnings, warning => warning.StartsWith("Deployment skipped: not injected", StringComparison.Ordinal));
    }

    [Fact]
    public void KubeInject_BadYaml_RefusedWithDocumentAndLine()
    {
        const string yaml = "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n---\napiVersion: v1\nkind: Pod\nmetadata: a: b\nspec: {}\n";

        var error = Assert.Throws<InjectionException>(() => ResourceInjector.Inject(yaml, new SidecarInjector(new InjectionSettings()), []));

        Assert.StartsWith("document 2, line 7:", error.Message, StringComparison.Ordinal);
    }

    private static string ReviewWithProbeAndMetrics(string statusPort) => AdmissionHandlerTests.Review("default", $$$$"""
        {"metadata":{"name":"p","annotations":{"status.sidecar.istio.io/port":"{{{{statusPort}}}}","prometheus.io/scrape":"true","prometheus.io/port":"9090"}},
         "spec":{"containers":[{"name":"app","image":"app","livenessProbe":{"httpGet":{"port":8080,"path":"/live"}}}]}}
        """);

    private static V1Pod InjectWithProbeAndMetrics(string statusPort) => AdmissionHandlerTests.PatchedPod(ReviewWithProbeAndMetrics(statusPort));

    private static V1Pod Inject(string annotations) =>
        AdmissionHandlerTests.PatchedPod(AdmissionHandlerTests.Review("default", $$$"""{"metadata":{"name":"p","annotations":{{{annotations}}}},"spec":{"containers":[{{{AppContainer}}}]}}"""));
}
