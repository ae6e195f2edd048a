using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Proxy.Tests.Observability;

/// <summary>The real proxy in process with telemetry options of the test's choosing, fed by a fake control plane.</summary>
internal sealed class ObservedProxy : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly FakeDiscoveryStream _stream;

    private ObservedProxy(WebApplication app, FakeDiscoveryStream stream)
    {
        _app = app;
        _stream = stream;
    }

    public static async Task<ObservedProxy> StartAsync(Func<ProxyOptions, ProxyOptions> configure)
    {
        var options = configure(new ProxyOptions(
            ProxyRole.Router, "istio-ingressgateway", "istio-system", new Uri("http://127.0.0.1:1"), null, 0, 0, "127.0.0.1",
            new Dictionary<string, string> { ["app"] = "istio-ingressgateway" }));
        var transport = new FakeDiscoveryTransport();
        var app = ProxyApplication.Build(options, transport, TimeProvider.System, new Random(7));
        await app.StartAsync();
        var stream = await transport.NextStreamAsync();
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            await stream.NextRequestAsync();
        }

        return new ObservedProxy(app, stream);
    }

    public Uri Admin => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public Task ApplyAsync(Cluster cluster, ClusterLoadAssignment endpoints, Listener listener, RouteConfiguration routes) =>
        ApplyAsync(cluster, endpoints, [listener], routes);

    public async Task ApplyAsync(Cluster cluster, ClusterLoadAssignment endpoints, Listener[] listeners, RouteConfiguration routes)
    {
        foreach (var response in new[]
        {
            MeshConfig.Response(TypeUrls.Cluster, "1", cluster),
            MeshConfig.Response(TypeUrls.Endpoints, "1", endpoints),
            MeshConfig.Response(TypeUrls.Listener, "1", listeners),
            MeshConfig.Response(TypeUrls.Route, "1", routes),
        })
        {
            var answer = await _stream.PushAsync(response);
            Assert.True(answer.ErrorDetail is null, answer.ErrorDetail?.Message);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
