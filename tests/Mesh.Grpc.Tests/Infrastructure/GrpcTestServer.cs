// A real Kestrel server on 127.0.0.1 (port 0) hosting gRPC methods mapped by the test, for our client or grpc-js to call.
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Grpc.Tests.Infrastructure;

internal sealed class GrpcTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcTestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public int Port => Address.Port;

    public static async Task<GrpcTestServer> StartAsync(Action<IEndpointRouteBuilder> map, HttpProtocols protocols = HttpProtocols.Http2)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = protocols));
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new GrpcTestServer(app, new Uri(bound));
    }

    /// <summary>Hosts the interop service (the same behaviour as interop/server.js).</summary>
    public static Task<GrpcTestServer> StartInteropAsync(InteropService service, GrpcServerOptions? options = null) => StartAsync(endpoints =>
    {
        endpoints.MapGrpcUnary(InteropMethods.Echo, service.EchoAsync, options);
        endpoints.MapGrpcDuplex(InteropMethods.Chat, service.ChatAsync, options);
    });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
