using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Mesh.Injection;

namespace Mesh.ControlPlane.Tests.Injection;

/// <summary>
/// kube-inject of Istio's own injector inputs against Istio's expected output, field by field on what a mesh user
/// relies on: container and init container names and order, the native sidecar's restartPolicy, ports, the rewritten
/// probes and hooks, ISTIO_KUBE_APP_PROBERS, security contexts, resources, volumes and mounts, labels and annotations,
/// and the environment's names and sources. Images and the arguments of Istio's own binaries differ by design; so do
/// the volumes and variables listed below, which this proxy does not use.
/// </summary>
public sealed class InjectionGoldenTests
{
    // Istio's SPIFFE workload-API sockets and certificates, and its CRL ConfigMap: this proxy gets its certificate
    // from the control plane's CA itself, and the CA publishes no CRL.
    private static readonly HashSet<string> VolumesLeftOut = ["workload-socket", "credential-socket", "workload-certs", "istio-ca-crl"];

    // pilot-agent's and Envoy's own settings: this proxy takes its discovery/CA address on its command line (CA_ADDR,
    // PILOT_CERT_PROVIDER), reads no ProxyConfig (PROXY_CONFIG; proxy.istio.io/config is reported instead), is no Go
    // program (GOMEMLIMIT, ISTIO_CPU_LIMIT), captures with REDIRECT only and reports no node name.
    private static readonly HashSet<string> VariablesLeftOut =
        ["PILOT_CERT_PROVIDER", "CA_ADDR", "PROXY_CONFIG", "ISTIO_CPU_LIMIT", "GOMEMLIMIT", "ISTIO_META_NODE_NAME", "ISTIO_META_INTERCEPTION_MODE"];

    [SkippableTheory]
    [InlineData("hello.yaml")]
    [InlineData("native-sidecar-opt-out.yaml")]
    [InlineData("hello-probes.yaml")]
    public void KubeInject_IstioGoldenInput_MatchesIstioInjectedPod(string file)
    {
        var input = Path.Combine(InjectionData.GoldenFolder, file);
        InjectionData.SkipUnlessPresent(input);
        var warnings = new List<string>();

        var output = ResourceInjector.Inject(File.ReadAllText(input), new SidecarInjector(new InjectionSettings()), warnings);

        Assert.Empty(warnings);
        var expected = PodTemplate(File.ReadAllText(input + ".injected"));
        var actual = PodTemplate(output);
        AssertSamePod(expected, actual);
    }

    [SkippableFact]
    public void KubeInject_InjectedOutput_IsLeftAsItIs()
    {
        var input = Path.Combine(InjectionData.GoldenFolder, "hello-probes.yaml");
        InjectionData.SkipUnlessPresent(input);
        var injector = new SidecarInjector(new InjectionSettings());
        var once = ResourceInjector.Inject(File.ReadAllText(input), injector, []);
        var warnings = new List<string>();

        var twice = ResourceInjector.Inject(once, injector, warnings);

        Assert.Equal(once, twice);
        Assert.Contains(warnings, warning => warning.Contains("already injected", StringComparison.Ordinal));
    }

    internal static void AssertSamePod(JsonObject expected, JsonObject actual)
    {
        var expectedSpec = expected["spec"]!.AsObject();
        var actualSpec = actual["spec"]!.AsObject();
        Assert.Equal(InjectionData.Names(expectedSpec["initContainers"]), InjectionData.Names(actualSpec["initContainers"]));
        Assert.Equal(InjectionData.Names(expectedSpec["containers"]), InjectionData.Names(actualSpec["containers"]));

        foreach (var name in InjectionData.Names(expectedSpec["containers"]).Concat(InjectionData.Names(expectedSpec["initContainers"])))
        {
            var list = InjectionData.Names(expectedSpec["containers"]).Contains(name) ? "containers" : "initContainers";
            var want = InjectionData.Element(expectedSpec[list], name);
            var have = InjectionData.Element(actualSpec[list], name);
            foreach (var field in new[] { "restartPolicy", "ports", "readinessProbe", "livenessProbe", "startupProbe", "securityContext" })
            {
                InjectionData.AssertJsonEqual(want[field], have[field], $"{list} {name} {field}");
            }

            if (name is SidecarTemplate.ProxyName or SidecarTemplate.CaptureName)
            {
                InjectionData.AssertJsonEqual(want["resources"], have["resources"], $"{name} resources");
                AssertSameMounts(want, have, name);
                if (name == SidecarTemplate.ProxyName)
                {
                    AssertSameEnvironment(want, have);
                }
            }
            else
            {
                // The app containers: only the probe and hook rewrites changed them.
                InjectionData.AssertJsonEqual(want["lifecycle"], have["lifecycle"], $"{name} lifecycle");
                InjectionData.AssertJsonEqual(want["image"], have["image"], $"{name} image");
            }
        }

        foreach (var volume in (JsonArray)expectedSpec["volumes"]!)
        {
            var name = volume!["name"]!.GetValue<string>();
            if (!VolumesLeftOut.Contains(name))
            {
                InjectionData.AssertJsonEqual(volume, InjectionData.Element(actualSpec["volumes"], name), $"volume {name}");
            }
        }

        Assert.Equal(InjectionData.Names(expectedSpec["volumes"]).Where(name => !VolumesLeftOut.Contains(name)), InjectionData.Names(actualSpec["volumes"]));
        InjectionData.AssertJsonEqual(expected["metadata"]!["labels"], actual["metadata"]!["labels"], "labels");
        AssertSameAnnotations(expected["metadata"]!["annotations"]!.AsObject(), actual["metadata"]!["annotations"]!.AsObject());
    }

    private static void AssertSameMounts(JsonNode want, JsonNode have, string container)
    {
        var expected = ((JsonArray?)want["volumeMounts"] ?? []).Where(mount => !VolumesLeftOut.Contains(mount!["name"]!.GetValue<string>())).ToList();
        var actual = ((JsonArray?)have["volumeMounts"] ?? []).ToList();
        Assert.Equal(expected.Count, actual.Count);
        foreach (var mount in expected)
        {
            InjectionData.AssertJsonEqual(mount, InjectionData.Element(have["volumeMounts"], mount!["name"]!.GetValue<string>()), $"{container} mount");
        }
    }

    private static void AssertSameEnvironment(JsonNode want, JsonNode have)
    {
        var actual = (JsonArray)have["env"]!;
        var expectedNames = new List<string>();
        foreach (var variable in (JsonArray)want["env"]!)
        {
            var name = variable!["name"]!.GetValue<string>();
            if (VariablesLeftOut.Contains(name))
            {
                Assert.DoesNotContain(name, InjectionData.Names(actual));
                continue;
            }

            expectedNames.Add(name);
            var mine = InjectionData.Element(actual, name);
            if (name == AppProbeRewriter.ProbersVariable)
            {
                // Istio's JSON, compared as JSON.
                InjectionData.AssertJsonEqual(JsonNode.Parse(variable["value"]!.GetValue<string>()), JsonNode.Parse(mine["value"]!.GetValue<string>()), name);
            }
            else
            {
                InjectionData.AssertJsonEqual(variable, mine, $"env {name}");
            }
        }

        Assert.Equal(expectedNames, InjectionData.Names(actual));
    }

    private static void AssertSameAnnotations(JsonObject expected, JsonObject actual)
    {
        foreach (var (key, value) in expected)
        {
            if (key == InjectionPolicy.StatusAnnotation)
            {
                var want = JsonNode.Parse(value!.GetValue<string>())!;
                var have = JsonNode.Parse(actual[key]!.GetValue<string>())!;
                InjectionData.AssertJsonEqual(want["initContainers"], have["initContainers"], "status initContainers");
                InjectionData.AssertJsonEqual(want["containers"], have["containers"], "status containers");
                InjectionData.AssertJsonEqual(want["revision"], have["revision"], "status revision");
                var volumes = ((JsonArray)want["volumes"]!).Select(item => item!.GetValue<string>()).Where(name => !VolumesLeftOut.Contains(name));
                Assert.Equal(volumes, ((JsonArray)have["volumes"]!).Select(item => item!.GetValue<string>()));
            }
            else
            {
                InjectionData.AssertJsonEqual(value, actual[key], $"annotation {key}");
            }
        }

        Assert.Equal(expected.Select(pair => pair.Key).Order(), actual.Select(pair => pair.Key).Order());
    }

    /// <summary>The pod (metadata and spec) of a Pod, or a workload's pod template, as JSON.</summary>
    internal static JsonObject PodTemplate(string yaml)
    {
        var document = yaml.Split("\n---", StringSplitOptions.RemoveEmptyEntries)[0];
        if (document.Contains("kind: Pod\n", StringComparison.Ordinal))
        {
            var pod = KubernetesYaml.Deserialize<V1Pod>(document);
            return InjectionData.Json(new V1PodTemplateSpec { Metadata = pod.Metadata, Spec = pod.Spec });
        }

        return InjectionData.Json(KubernetesYaml.Deserialize<V1Deployment>(document).Spec.Template);
    }
}
