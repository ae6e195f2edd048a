using Mesh.Contracts.Discovery;
using Mesh.Grpc;
using Mesh.Proxy.Discovery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Discovery;

public sealed class GrpcDiscoveryTransportTests
{
    [Fact]
    public async Task StreamResources_OverRealGrpc_ProxySubscribesAndAcks()
    {
        var received = System.Threading.Channels.Channel.CreateUnbounded<DiscoveryRequest>();
        var method = new GrpcMethod<DiscoveryRequest, DiscoveryResponse>(
            "/mesh.discovery.v1.AggregatedDiscoveryService/StreamResources", DiscoveryRequest.Parser, DiscoveryResponse.Parser);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddRouting();
        await using var controlPlane = builder.Build();
        var clusters = Response(TypeUrls.Cluster, "v1", Cluster("backend"));
        controlPlane.MapGrpcDuplex(method, async (requests, responses, call) =>
        {
            await foreach (var request in requests.ReadAllAsync(call.CancellationToken))
            {
                await received.Writer.WriteAsync(request);
                if (request.TypeUrl == TypeUrls.Cluster && request.ResponseNonce.Length == 0)
                {
                    await responses.WriteAsync(clusters);
                }
            }
        });
        await controlPlane.StartAsync();
        var address = new Uri(controlPlane.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

        using var transport = new GrpcDiscoveryTransport(address);
        var options = new ProxyOptions(ProxyRole.Router, "gw", "default", address, null, 0, 0, "127.0.0.1", new Dictionary<string, string>());
        await using var proxy = ProxyApplication.Build(options, transport, TimeProvider.System, new Random(3));
        await proxy.StartAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        DiscoveryRequest ack;
        do
        {
            ack = await received.Reader.ReadAsync(timeout.Token);
        }
        while (ack.ResponseNonce != clusters.Nonce);

        Assert.Equal("v1", ack.VersionInfo);
        Assert.Null(ack.ErrorDetail);
        await proxy.StopAsync();
        await controlPlane.StopAsync();
    }
}
