using k8s;
using Mesh.Kubernetes.TestServer;

namespace Mesh.Kubernetes.Tests;

/// <summary>A fresh test API server per test, with a kubeconfig and kubectl cache in a directory of its own.</summary>
internal sealed class ServerFixture : IAsyncDisposable
{
    private ServerFixture(TestApiServer server, string directory)
    {
        Server = server;
        Directory = directory;
        Kubeconfig = server.WriteKubeconfig(Path.Combine(directory, "kubeconfig"));
        Kubectl = new Kubectl(Kubeconfig, Path.Combine(directory, "cache"));
        Client = new k8s.Kubernetes(server.ClientConfiguration());
    }

    public TestApiServer Server { get; }
    public string Directory { get; }
    public string Kubeconfig { get; }
    public Kubectl Kubectl { get; }
    public IKubernetes Client { get; }

    public static async Task<ServerFixture> StartAsync(TestApiServerOptions? options = null)
    {
        var directory = Path.Combine(Path.GetTempPath(), "mesh-k8s-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(directory);
        return new ServerFixture(await TestApiServer.StartAsync(options), directory);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
