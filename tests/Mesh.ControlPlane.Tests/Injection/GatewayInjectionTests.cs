using System.Text.Json.Nodes;
using k8s.Models;
using Mesh.Injection;
using Mesh.Contracts.Discovery;
using Mesh.Proxy;

namespace Mesh.ControlPlane.Tests.Injection;

/// <summary>
/// Istio's gateway template (<c>inject.istio.io/templates: gateway</c>) and a pod's own istio-proxy container over the
/// injected one: a gateway Deployment as Istio's gateway chart writes it gets a proxy in router mode in that container.
/// </summary>
public sealed class GatewayInjectionTests
{
    /// <summary>The pod of Istio's gateway chart (its Deployment's template, values at their defaults).</summary>
    private const string ChartGateway = """
        {"metadata":{"generateName":"istio-ingressgateway-5d8f7b9c4-","annotations":{"inject.istio.io/templates":"gateway","prometheus.io/port":"15020"},
          "labels":{"app":"istio-ingressgateway","istio":"ingressgateway","sidecar.istio.io/inject":"true","pod-template-hash":"5d8f7b9c4"},
          "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"istio-ingressgateway-5d8f7b9c4","uid":"1","controller":true}]},
         "spec":{"serviceAccountName":"istio-ingressgateway",
          "securityContext":{"sysctls":[{"name":"net.ipv4.ip_unprivileged_port_start","value":"0"}]},
          "containers":[{"name":"istio-proxy","image":"auto",
            "securityContext":{"allowPrivilegeEscalation":false,"capabilities":{"drop":["ALL"]},"privileged":false,"readOnlyRootFilesystem":true,
              "runAsGroup":1337,"runAsNonRoot":true,"runAsUser":1337},
            "env":[{"name":"ISTIO_META_UNPRIVILEGED_POD","value":"true"}],
            "ports":[{"containerPort":15090,"protocol":"TCP","name":"http-envoy-prom"},{"containerPort":80,"name":"http2"}],
            "resources":{"requests":{"cpu":"100m","memory":"128Mi"},"limits":{"cpu":"2","memory":"1Gi"}}}]}}
        """;

    [Fact]
    public void Inject_IstiosGatewayChartPod_RouterInItsOwnContainerWithItsPortsAndSecurity()
    {
        var pod = AdmissionHandlerTests.PatchedPod(AdmissionHandlerTests.Review("istio-ingress", ChartGateway));

        var proxy = Assert.Single(pod.Spec.Containers);
        Assert.Null(pod.Spec.InitContainers);
        Assert.Equal("istio-proxy", proxy.Name);
        Assert.Equal(new InjectionSettings().ProxyImage, proxy.Image);
        Assert.Equal("router", proxy.Args[0]);
        Assert.Equal([(15090, "http-envoy-prom"), (80, "http2")], proxy.Ports.Select(port => (port.ContainerPort, port.Name)));
        Assert.Equal(1337, proxy.SecurityContext.RunAsUser);
        Assert.Equal(["ALL"], proxy.SecurityContext.Capabilities.Drop);
        Assert.Equal("100m", proxy.Resources.Requests["cpu"].ToString());
        Assert.Equal("true", AdmissionHandlerTests.Env(proxy, "ISTIO_META_UNPRIVILEGED_POD"));
        Assert.Equal("istio-ingressgateway", AdmissionHandlerTests.Env(proxy, "ISTIO_META_WORKLOAD_NAME"));
        Assert.Equal("/healthz/ready", proxy.ReadinessProbe.HttpGet.Path);
        Assert.Null(proxy.StartupProbe);
        Assert.Equal(["istio-envoy", "istio-data", "istio-podinfo", "istio-token", "istiod-ca-cert"], pod.Spec.Volumes.Select(volume => volume.Name));

        // Istio's gateway template: canonical service and revision labels, no tlsMode (a gateway is not an mTLS
        // destination), the pod's own prometheus annotations untouched.
        Assert.Equal("istio-ingressgateway", pod.Metadata.Labels["service.istio.io/canonical-name"]);
        Assert.Equal("default", pod.Metadata.Labels["istio.io/rev"]);
        Assert.False(pod.Metadata.Labels.ContainsKey("security.istio.io/tlsMode"));
        Assert.Equal("15020", pod.Metadata.Annotations["prometheus.io/port"]);
        var status = JsonNode.Parse(pod.Metadata.Annotations["sidecar.istio.io/status"])!;
        Assert.Equal("""["istio-proxy"]""", status["containers"]!.ToJsonString());
        Assert.Null(status["initContainers"]);
    }

    [Fact]
    public void Inject_GatewayCommandLine_IsARouterTheProxyAccepts()
    {
        var pod = AdmissionHandlerTests.PatchedPod(AdmissionHandlerTests.Review("istio-ingress", ChartGateway));

        var proxy = pod.Spec.Containers[0];
        Assert.Equal(["mesh-proxy"], proxy.Command);
        Assert.Equal(
            ["router", "--workload", "$(POD_NAME)", "--namespace", "$(POD_NAMESPACE)", "--service-account", "$(SERVICE_ACCOUNT)",
             "--discovery", "https://istiod.istio-system.svc:15012", "--ca-root-file", "/var/run/secrets/istio/root-cert.pem",
             "--ca-token-file", "/var/run/secrets/tokens/istio-token", "--admin-port", "15000", "--bind", "$(INSTANCE_IP)",
             "--status-port", "15020", "--readiness-port", "15021", "--metrics-port", "15090"],
            proxy.Args);
        // As the kubelet gives it: the variables filled in, the root certificate and the token mounted.
        using var mounts = new TempDirectory();
        var rootCert = Path.Combine(mounts.Path, "root-cert.pem");
        var token = Path.Combine(mounts.Path, "istio-token");
        File.WriteAllText(rootCert, "");
        File.WriteAllText(token, "a.b.c");
        var resolved = proxy.Args.Select(arg => arg switch
        {
            "$(INSTANCE_IP)" => "10.0.0.7",
            "/var/run/secrets/istio/root-cert.pem" => rootCert,
            "/var/run/secrets/tokens/istio-token" => token,
            _ when arg.StartsWith("$(", StringComparison.Ordinal) => "x",
            _ => arg,
        }).ToArray();
        Assert.True(ProxyCommandLine.TryParse(resolved, out var error) is { Role: ProxyRole.Router }, error);
    }

    [Fact]
    public void Inject_GatewayWithoutItsOwnContainer_TheProxyIsAdded()
    {
        var pod = AdmissionHandlerTests.PatchedPod(AdmissionHandlerTests.Review("istio-ingress",
            """{"metadata":{"name":"gw","annotations":{"inject.istio.io/templates":"gateway"}},"spec":{"containers":[{"name":"helper","image":"h"}]}}"""));

        Assert.Equal(["helper", "istio-proxy"], pod.Spec.Containers.Select(container => container.Name));
        var proxy = pod.Spec.Containers[1];
        Assert.Equal("router", proxy.Args[0]);
        Assert.Equal((1337L, 1337L), (proxy.SecurityContext.RunAsUser, proxy.SecurityContext.RunAsGroup));
        Assert.Equal("helper", AdmissionHandlerTests.Env(proxy, "ISTIO_META_APP_CONTAINERS"));
        Assert.Equal("helper", pod.Metadata.Annotations["kubectl.kubernetes.io/default-container"]);
        // Istio's metrics merge, as on every injected pod: Prometheus scrapes the gateway's status port.
        Assert.Equal(("true", "15020", "/stats/prometheus"),
            (pod.Metadata.Annotations["prometheus.io/scrape"], pod.Metadata.Annotations["prometheus.io/port"], pod.Metadata.Annotations["prometheus.io/path"]));
    }

    [Fact]
    public void Inject_GatewayWithSidecarOnlyAnnotations_WarnsOfEach()
    {
        var body = AdmissionHandlerTests.Review("istio-ingress",
            """{"metadata":{"name":"gw","annotations":{"inject.istio.io/templates":"gateway","sidecar.istio.io/interceptionMode":"TPROXY","traffic.sidecar.istio.io/excludeOutboundPorts":"5432"}},"spec":{"containers":[]}}""");

        var answer = AdmissionHandlerTests.Respond(body)["response"]!;

        Assert.True(answer["allowed"]!.GetValue<bool>());
        var warnings = ((JsonArray)answer["warnings"]!).Select(item => item!.GetValue<string>()).ToList();
        Assert.Contains(warnings, warning => warning.StartsWith("sidecar.istio.io/interceptionMode has no effect with the gateway template", StringComparison.Ordinal));
        Assert.Contains(warnings, warning => warning.StartsWith("traffic.sidecar.istio.io/excludeOutboundPorts has no effect with the gateway template", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("grpc-agent")]
    [InlineData("sidecar,spire")]
    public void Inject_TemplateThisMeshDoesNotHave_Refused(string templates)
    {
        var body = AdmissionHandlerTests.Review("default",
            $$$"""{"metadata":{"name":"p","annotations":{"inject.istio.io/templates":"{{{templates}}}"}},"spec":{"containers":[{"name":"app","image":"app"}]}}""");

        var answer = AdmissionHandlerTests.Respond(body)["response"]!;

        Assert.False(answer["allowed"]!.GetValue<bool>());
        Assert.Contains($"annotation inject.istio.io/templates: \"{templates}\" is not a template this mesh injects", answer["status"]!["message"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Inject_SidecarPodWithItsOwnProxyContainer_MergedIntoTheInjectedSidecar()
    {
        // Istio's "customizing injection": the pod's istio-proxy container sets the sidecar's resources and readiness
        // timing; its image "auto" and an args list are not taken (the latter with a warning).
        var body = AdmissionHandlerTests.Review("default", """
            {"metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"app","ports":[{"containerPort":8080}]},
              {"name":"istio-proxy","image":"auto","args":["proxy","sidecar"],"resources":{"limits":{"memory":"64Mi"}},
               "readinessProbe":{"periodSeconds":5},"env":[{"name":"TRUST_DOMAIN","value":"example.org"}]}]}}
            """);

        var answer = AdmissionHandlerTests.Respond(body)["response"]!;
        var pod = AdmissionHandlerTests.PatchedPod(body);

        Assert.Equal(["app"], pod.Spec.Containers.Select(container => container.Name));
        var proxy = Assert.Single(pod.Spec.InitContainers, container => container.Name == "istio-proxy");
        Assert.Equal("sidecar", proxy.Args[0]);
        Assert.Equal(new InjectionSettings().ProxyImage, proxy.Image);
        Assert.Equal("64Mi", proxy.Resources.Limits["memory"].ToString());
        Assert.True(proxy.Resources.Requests.ContainsKey("cpu"), "the template's requests stay");
        Assert.Equal(5, proxy.ReadinessProbe.PeriodSeconds);
        Assert.Equal("/healthz/ready", proxy.ReadinessProbe.HttpGet.Path);
        Assert.Equal("example.org", Assert.Single(proxy.Env, variable => variable.Name == "TRUST_DOMAIN").Value);
        Assert.Contains(((JsonArray)answer["warnings"]!).Select(item => item!.GetValue<string>()),
            warning => warning.StartsWith("the pod's istio-proxy container sets args, which is not applied", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("true", null)]
    [InlineData(null, "namespace istio-system is injected only for a pod labelled sidecar.istio.io/inject: \"true\"")]
    public void SkipReason_SystemNamespace_InjectedOnlyWhenThePodAsks(string? label, string? reason)
    {
        var metadata = new V1ObjectMeta { Labels = label is null ? null : new Dictionary<string, string> { ["sidecar.istio.io/inject"] = label } };

        Assert.Equal(reason, InjectionPolicy.SkipReason(metadata, new V1PodSpec(), "istio-system", new InjectionSettings(), []));
    }
}
