using System.Net;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Mesh.EndToEnd.Tests.Meshctl;

/// <summary>
/// What stands behind a pod's port in these tests: an HTTP server on 127.0.0.1 answering fixed JSON per path (the
/// control plane's /debug/syncz, a proxy's /config_dump and /certs, an add-on's UI), reached through the test API
/// server's port-forward.
/// </summary>
internal sealed class PodHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private PodHttpServer(WebApplication app, IPEndPoint endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public static async Task<PodHttpServer> StartAsync(IReadOnlyDictionary<string, string> bodies)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        foreach (var (path, body) in bodies)
        {
            app.MapGet(path, () => Results.Text(body, "application/json"));
        }

        await app.StartAsync();
        var address = new Uri(app.Urls.First());
        return new PodHttpServer(app, new IPEndPoint(IPAddress.Loopback, address.Port));
    }

    /// <summary>Creates a Running pod with these labels, as a kubelet would report it.</summary>
    public static async Task CreateRunningPodAsync(IKubernetes client, string ns, string name, Dictionary<string, string> labels, int containerPort = 0, string? portName = null)
    {
        var ports = containerPort == 0 ? null : new List<V1ContainerPort> { new() { ContainerPort = containerPort, Name = portName } };
        var pod = await client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = labels },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "main", Image = "mesh:dev", Ports = ports }] },
        }, ns);
        pod.Status = new V1PodStatus { Phase = "Running" };
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, name, ns);
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
