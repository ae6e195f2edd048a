using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Sources;
using Mesh.Istio;
using Mesh.Istio.Analysis;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>The folder and the cluster served as one source.</summary>
public sealed class CompositeConfigSourceTests
{
    private const string Gateway = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: public, namespace: default }
        spec:
          selector: { istio: ingressgateway }
          servers:
          - port: { number: 80, name: http, protocol: HTTP }
            hosts: ["*"]
        """;

    private const string VirtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: reviews, namespace: default }
        spec:
          hosts: ["*"]
          gateways: [public]
          http:
          - route:
            - destination: { host: reviews }
        """;

    [Fact]
    public void Current_FolderAndCluster_MergesResourcesTakesTheClustersRegistryAndAnalyzesThemTogether()
    {
        using var folder = new TempDirectory();
        folder.Write("gateway.yaml", Gateway);
        var clusterResources = IstioConfigLoader.LoadText(VirtualService, "k8s://networking.istio.io/v1/namespaces/default/virtualservices/reviews").Resources;
        var registry = KubernetesRegistry.Build(KubeYaml.Objects("""
            apiVersion: v1
            kind: Service
            metadata: { name: reviews, namespace: default }
            spec:
              ports: [{ name: http, port: 9080 }]
            """), "cluster.local");
        var cluster = new FixedSource(new ConfigState(clusterResources, []) { Registry = registry, Messages = MeshAnalyzer.Analyze(clusterResources) });
        using var composite = new CompositeConfigSource(
            new FolderConfigSource(folder.Path, NullLogger<FolderConfigSource>.Instance, TimeProvider.System, TimeSpan.FromMilliseconds(10)), cluster);
        var changes = new List<ConfigChange>();
        composite.Changed += change => { lock (changes) changes.Add(change); };

        composite.Start();

        var current = composite.Current;
        Assert.Equal(["Gateway default/public", "VirtualService default/reviews"], current.Resources.Select(r => r.ToString()).Order());
        Assert.Same(registry, current.Registry);
        // Alone, the cluster's VirtualService names a Gateway it does not have; with the folder's, nothing is missing:
        // nor is its destination, a Kubernetes Service of the registry rather than a ServiceEntry.
        Assert.Contains(cluster.Current.Messages, m => m.Type == AnalysisMessageType.ReferencedResourceNotFound && m.FieldPath == "spec.gateways[0]");
        Assert.Contains(cluster.Current.Messages, m => m.Type == AnalysisMessageType.ReferencedResourceNotFound && m.FieldPath.EndsWith(".host"));
        Assert.DoesNotContain(current.Messages, m => m.Type == AnalysisMessageType.ReferencedResourceNotFound);

        var key = new ConfigKey("VirtualService", "default", "reviews");
        cluster.Replace(new ConfigState([], []) { Registry = registry }, key);
        lock (changes) Assert.Contains(changes, change => change.Keys.SetEquals([key]));
        Assert.Equal(["Gateway default/public"], composite.Current.Resources.Select(r => r.ToString()));
    }

    [Fact]
    public void Create_NoSource_IsRefused() => Assert.Throws<ArgumentException>(() => new CompositeConfigSource());

    private sealed class FixedSource(ConfigState state) : IConfigSource
    {
        public ConfigState Current { get; private set; } = state;

        public event Action<ConfigChange>? Changed;

        public void Replace(ConfigState state, ConfigKey changed)
        {
            Current = state;
            Changed?.Invoke(new ConfigChange(new HashSet<ConfigKey> { changed }));
        }

        public void Start()
        {
        }

        public void Dispose()
        {
        }
    }
}
