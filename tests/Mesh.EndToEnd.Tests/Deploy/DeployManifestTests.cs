using Mesh.Istio;
using Mesh.Istio.Analysis;
using YamlDotNet.RepresentationModel;

namespace Mesh.EndToEnd.Tests.Deploy;

/// <summary>
/// Proof of deploy/ without a cluster: every kustomization renders with the machine's kubectl, no two objects of an
/// install collide, every object validates against its schema (Kubernetes, prometheus-operator, our CRDs), and the
/// samples' Istio resources load and analyze as the control plane would load them.
/// </summary>
public sealed class DeployManifestTests
{
    private static string CrdFile => Path.Combine(DeployManifest.DeployFolder, "crds", "istio-crds.yaml");

    [SkippableFact]
    public async Task Kustomize_EveryKustomization_Renders()
    {
        DeployTools.RequireKubectl();
        var kustomizations = DeployManifest.Kustomizations();

        // A search that found nothing would prove nothing: the profiles the docs name must be among what was found.
        Assert.Contains("profiles/demo", kustomizations);
        Assert.Contains("kind", kustomizations);
        foreach (var kustomization in kustomizations)
        {
            var objects = DeployManifest.Parse(await DeployManifest.RenderAsync(kustomization));
            Assert.True(objects.Count > 0, $"deploy/{kustomization} rendered no objects");
            Assert.All(objects, o => Assert.True(o.Kind.Length > 0 && o.Name.Length > 0, $"deploy/{kustomization}: an object without kind or name: {o.Key}"));
        }
    }

    [SkippableFact]
    public async Task Kustomize_EachKustomization_HasNoTwoObjectsWithOneName()
    {
        DeployTools.RequireKubectl();
        var failures = new List<string>();
        foreach (var kustomization in DeployManifest.Kustomizations())
        {
            var collisions = DeployManifest.Collisions(DeployManifest.Parse(await DeployManifest.RenderAsync(kustomization)));
            failures.AddRange(collisions.Select(c => $"deploy/{kustomization}: {c}"));
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [SkippableFact]
    public async Task Kustomize_EachSampleOverEachProfile_HasNoTwoObjectsWithOneName()
    {
        DeployTools.RequireKubectl();
        var kustomizations = DeployManifest.Kustomizations();
        // What installs the mesh (profiles/*, and kind, an overlay of one), and what users apply beside it.
        var installs = kustomizations.Where(k => k.StartsWith("profiles/", StringComparison.Ordinal) || k == "kind").ToList();
        var samples = kustomizations.Where(k => k.StartsWith("samples/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(installs);
        Assert.NotEmpty(samples);
        var failures = new List<string>();
        foreach (var install in installs)
        {
            var installed = DeployManifest.Parse(await DeployManifest.RenderAsync(install));
            foreach (var sample in samples)
            {
                var together = installed.Concat(DeployManifest.Parse(await DeployManifest.RenderAsync(sample)));
                failures.AddRange(DeployManifest.Collisions(together).Select(c => $"deploy/{install} with deploy/{sample}: {c}"));
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [SkippableFact]
    public async Task Schema_EveryKustomization_Validates()
    {
        DeployTools.RequireKubectl();
        DeployTools.RequireNode(DeployManifest.Root);
        var failures = new List<string>();
        foreach (var kustomization in DeployManifest.Kustomizations())
        {
            var (exit, output, error) = await ValidateAsync(await DeployManifest.RenderAsync(kustomization));
            if (exit != 0) failures.Add($"deploy/{kustomization} (exit {exit}):\n{output}{error}");
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    /// <summary>Each mutation must be reported at its object and path: a validator that passes everything would fail here.</summary>
    [SkippableTheory]
    [InlineData("base", "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: \"yes\"",
        "Deployment istio-system/istiod: /spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem: must be boolean")]
    [InlineData("gateway", "minReplicas: 1", "minReplicas: one",
        "HorizontalPodAutoscaler istio-system/istio-ingressgateway: /spec/minReplicas: must be integer")]
    [InlineData("addons/prometheus-operator", "kind: PodMonitor", "kind: PodMonitorr",
        "PodMonitorr istio-system/envoy-stats: /: unknown kind monitoring.coreos.com/v1 PodMonitorr")]
    [InlineData("addons/prometheus-operator", "  endpoints:\n", "  endpoints: 15014\n  unused:\n",
        "ServiceMonitor istio-system/istiod: /spec/endpoints: must be array")]
    [InlineData("samples/bookinfo", "spec:\n  host: reviews\n", "spec: reviews\nunused:\n  host: reviews\n",
        "DestinationRule bookinfo/reviews: /spec: must be object")]
    [InlineData("samples/bookinfo", "apiVersion: networking.istio.io/v1\nkind: DestinationRule", "apiVersion: networking.istio.io/v2\nkind: DestinationRule",
        "DestinationRule bookinfo/reviews: /: unknown kind networking.istio.io/v2 DestinationRule")]
    public async Task Schema_MutatedObject_IsReportedWithItsPath(string kustomization, string from, string to, string expected)
    {
        DeployTools.RequireKubectl();
        DeployTools.RequireNode(DeployManifest.Root);
        var rendered = await DeployManifest.RenderAsync(kustomization);
        Assert.Contains(from, rendered);

        var (exit, output, _) = await ValidateAsync(rendered.Replace(from, to, StringComparison.Ordinal));

        Assert.Equal(1, exit);
        Assert.Contains(expected, output);
    }

    [SkippableFact]
    public async Task KindCluster_MapsTheHostsHttpAndHttpsToTheGatewaysNodePortsOnTheIngressReadyNode()
    {
        DeployTools.RequireKubectl();
        // deploy/kind/cluster.yaml is kind's own config, not a Kubernetes object: no schema or render covers it.
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(DeployManifest.DeployFolder, "kind", "cluster.yaml"))));
        var cluster = Assert.IsType<YamlMappingNode>(Assert.Single(stream.Documents).RootNode);
        Assert.Equal("Cluster", Text(cluster, "kind"));
        Assert.Equal("kind.x-k8s.io/v1alpha4", Text(cluster, "apiVersion"));
        var node = Assert.Single(Sequence(cluster, "nodes").OfType<YamlMappingNode>(), n => Text(n, "role") == "control-plane");
        Assert.Equal("true", Text(Mapping(node, "labels"), "ingress-ready"));
        var mappings = Sequence(node, "extraPortMappings").OfType<YamlMappingNode>()
            .ToDictionary(m => Text(m, "hostPort"), m => Text(m, "containerPort"));

        // The kind overlay's gateway Service: the node ports the mapped container ports must be.
        var gateway = Assert.Single(DeployManifest.Parse(await DeployManifest.RenderAsync("kind")),
            o => o.Kind == "Service" && o.Name == "istio-ingressgateway");
        Assert.Equal("NodePort", Text(Mapping(gateway.Node, "spec"), "type"));
        var nodePorts = Sequence(Mapping(gateway.Node, "spec"), "ports").OfType<YamlMappingNode>()
            .ToDictionary(p => Text(p, "port"), p => Text(p, "nodePort"));
        foreach (var port in (string[])["80", "443"])
        {
            Assert.True(mappings.ContainsKey(port), $"deploy/kind/cluster.yaml maps no host port {port}");
            Assert.Equal(nodePorts[port], mappings[port]);
        }
    }

    private static string Text(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var value) && value is YamlScalarNode { Value: { } text } ? text : "";

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) =>
        Assert.IsType<YamlMappingNode>(node.Children[key]);

    private static YamlSequenceNode Sequence(YamlMappingNode node, string key) =>
        Assert.IsType<YamlSequenceNode>(node.Children[key]);

    [SkippableFact]
    public async Task Samples_IstioResources_LoadAndAnalyzeWithoutErrors()
    {
        DeployTools.RequireKubectl();
        var samples = DeployManifest.Kustomizations().Where(k => k.StartsWith("samples/", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(samples);
        var loadedIstioObjects = 0;
        var failures = new List<string>();
        foreach (var sample in samples)
        {
            var rendered = await DeployManifest.RenderAsync(sample);
            var objects = DeployManifest.Parse(rendered);
            var result = IstioConfigLoader.LoadText(rendered, $"deploy/{sample}");
            failures.AddRange(result.Errors.Select(e => $"error: {e}"));
            // The loader leaves other kinds aside: every Istio object rendered must have been loaded.
            var istioObjects = objects.Count(o => o.Group.EndsWith(".istio.io", StringComparison.Ordinal));
            Assert.True(result.Resources.Count == istioObjects, $"deploy/{sample}: {istioObjects} Istio objects rendered, {result.Resources.Count} loaded");
            loadedIstioObjects += istioObjects;

            // As the control plane on a cluster: the sample's Services are hosts that exist (meshctl validate, which
            // knows no cluster, would report them missing).
            var serviceHosts = objects.Where(o => o.Group.Length == 0 && o.Kind == "Service")
                .Select(o => $"{o.Name}.{(o.Namespace.Length == 0 ? "default" : o.Namespace)}.svc.cluster.local")
                .ToHashSet(StringComparer.Ordinal);
            failures.AddRange(MeshAnalyzer.Analyze(result.Resources, serviceHosts)
                .Where(m => m.Type.Level == AnalysisLevel.Error)
                .Select(m => m.ToString()));
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.True(loadedIstioObjects > 0, "the samples hold no Istio resources to check");
    }

    private static Task<(int Exit, string Out, string Err)> ValidateAsync(string yaml) =>
        DeployTools.RunAsync("node", ["validate.mjs", CrdFile], yaml, DeployTools.SchemaFolder(DeployManifest.Root));
}
