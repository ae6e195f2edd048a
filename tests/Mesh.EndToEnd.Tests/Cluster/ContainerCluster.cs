using Mesh.EndToEnd.Tests.Containers;
using Mesh.Kubernetes.TestServer;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// A cluster for one test: the test API server in-process, a Docker network of the run's own and a
/// <see cref="TestKubelet"/> running Deployments on it. Disposing stops the kubelet, removes every container labelled
/// with the run and the network, then the server and the work folder; a failed start cleans up the same way.
/// </summary>
internal sealed class ContainerCluster : IAsyncDisposable
{
    private ContainerCluster(string runId, string workDir, DockerNetwork network)
    {
        RunId = runId;
        WorkDir = workDir;
        Network = network;
    }

    public string RunId { get; }
    public string WorkDir { get; }
    public DockerNetwork Network { get; }
    public string RunLabel => "mesh.e2e.run=" + RunId;
    public TestApiServer Server { get; private set; } = null!;
    public TestKubelet Kubelet { get; private set; } = null!;
    public k8s.Kubernetes Client { get; private set; } = null!;

    /// <summary>
    /// Starts the cluster; <paramref name="serverOptions"/> gets the network and the cluster (whose kubelet is not
    /// running yet when it is called: callbacks must look it up late), <paramref name="inClusterApiServer"/> says where
    /// pods reach the server (its own URL when null).
    /// </summary>
    public static async Task<ContainerCluster> StartAsync(string image, Func<ContainerCluster, TestApiServerOptions>? serverOptions = null,
        Func<TestApiServer, Uri>? inClusterApiServer = null, int maxPods = 8)
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        var workDir = Path.Combine(Path.GetTempPath(), "mesh-cluster-" + runId);
        Directory.CreateDirectory(workDir);
        DockerNetwork network;
        try
        {
            network = await DockerNetwork.CreateAsync($"mesh-e2e-{runId}", "mesh.e2e.run=" + runId);
        }
        catch (InvalidOperationException)
        {
            Directory.Delete(workDir, recursive: true);
            throw;
        }

        var cluster = new ContainerCluster(runId, workDir, network);
        try
        {
            cluster.Server = await TestApiServer.StartAsync(serverOptions?.Invoke(cluster));
            cluster.Client = new k8s.Kubernetes(cluster.Server.ClientConfiguration());
            cluster.Kubelet = TestKubelet.Start(new KubeletOptions
            {
                ApiServer = cluster.Server,
                Network = network,
                RunLabel = cluster.RunLabel,
                NamePrefix = $"mesh-e2e-{runId}",
                WorkDir = workDir,
                InClusterApiServer = inClusterApiServer?.Invoke(cluster.Server) ?? cluster.Server.Url,
                SandboxImage = image,
                MaxPods = maxPods,
            });
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits on a condition; the failure carries the kubelet's log and the containers' last lines.</summary>
    public async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> what)
    {
        try
        {
            await Wait.UntilAsync(condition, timeout, what);
        }
        catch (TimeoutException e)
        {
            Assert.Fail($"{e.Message}\n{await Kubelet.DiagnosticsAsync()}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Kubelet is not null) await Kubelet.DisposeAsync();
        await Network.RemoveAsync(RunLabel);
        Client?.Dispose();
        if (Server is not null) await Server.DisposeAsync();
        try
        {
            Directory.Delete(WorkDir, recursive: true);
        }
        catch (IOException)
        {
            // A file a container still held: the temp folder is left for the machine to clear.
        }
    }
}
