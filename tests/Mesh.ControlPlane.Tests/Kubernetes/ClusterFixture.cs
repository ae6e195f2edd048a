using k8s;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Mesh.Kubernetes.TestServer;
using Mesh.Kubernetes.Tests;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>
/// A test API server with a kubeconfig for kubectl and KubernetesClient, the Istio CRDs the deployment installs
/// (deploy/crds/istio-crds.yaml), and a Kubernetes config source reading it.
/// </summary>
internal sealed class ClusterFixture : IAsyncDisposable
{
    private readonly TempDirectory _directory = new();

    private ClusterFixture(TestApiServer server)
    {
        Server = server;
        Kubeconfig = server.WriteKubeconfig(Path.Combine(_directory.Path, "kubeconfig"));
        Client = new k8s.Kubernetes(server.ClientConfiguration());
        Kubectl = new Kubectl(Kubeconfig, Path.Combine(_directory.Path, "kubectl-cache"));
    }

    public TestApiServer Server { get; }

    public string Kubeconfig { get; }

    public IKubernetes Client { get; }

    public Kubectl Kubectl { get; }

    public LogCapture Logs { get; } = new();

    public InformerCatalog Informers { get; } = new();

    public static async Task<ClusterFixture> StartAsync() => new(await TestApiServer.StartAsync());

    /// <summary>Creates the Istio CRDs, as <c>kubectl apply -f deploy/crds</c> would.</summary>
    public async Task CreateIstioCrdsAsync()
    {
        foreach (var item in KubernetesYaml.LoadAllFromString(await File.ReadAllTextAsync(CrdFile())))
        {
            await Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync((V1CustomResourceDefinition)item);
        }
    }

    public KubernetesConfigSource CreateSource(TimeSpan? syncTimeout = null)
    {
        var loggers = LoggerFactory.Create(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        var options = new KubernetesOptions { KubeconfigPath = Kubeconfig };
        return new KubernetesConfigSource(KubernetesConnection.Create(options), options, TimeProvider.System, loggers, Informers,
            TimeSpan.FromMilliseconds(20), syncTimeout ?? TimeSpan.FromSeconds(20));
    }

    private static string CrdFile()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "deploy", "crds", "istio-crds.yaml");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("deploy/crds/istio-crds.yaml was not found above the test's folder.");
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        _directory.Dispose();
    }
}
