using System.Net;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.EndToEnd.Tests.Harness;

/// <summary>
/// A real Kestrel server on 127.0.0.1 for the load generator's tests: "/" answers with a Content-Length, "/chunked"
/// with a chunked body, "/slow" after a fixed service time, "/fail" with a 500; HTTP/2 servers also serve the
/// standard gRPC health service.
/// </summary>
internal sealed class LoadServer : IAsyncDisposable
{
    public static readonly TimeSpan SlowServiceTime = TimeSpan.FromMilliseconds(50);

    private readonly WebApplication _app;

    private LoadServer(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public Uri Url(string path) => new($"http://127.0.0.1:{Port}{path}");

    /// <summary>Starts the server speaking HTTP/1.1 only, or HTTP/2 only (h2c with prior knowledge, and gRPC).</summary>
    public static async Task<LoadServer> StartAsync(HttpProtocols protocols)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = protocols));
        builder.Services.AddGrpc();
        var health = new HealthServiceImpl();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        builder.Services.AddSingleton(health);
        var app = builder.Build();
        app.MapGet("/", () => "ok");
        app.MapGet("/chunked", async (HttpResponse response) =>
        {
            // Two flushes without a Content-Length: Kestrel sends a chunked body.
            await response.WriteAsync("first chunk;");
            await response.Body.FlushAsync();
            await response.WriteAsync("second chunk");
        });
        app.MapGet("/slow", async () =>
        {
            await Task.Delay(SlowServiceTime);
            return "slow";
        });
        app.MapGet("/fail", () => Results.StatusCode(500));
        app.MapGrpcService<HealthServiceImpl>();
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        return new LoadServer(app, address.Port);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
