// Message size limits, both directions and on both sides, over a real Kestrel server on 127.0.0.1.
using Google.Protobuf;
using Mesh.Grpc.Tests.Infrastructure;
using Mesh.Grpc.Tests.Interop;

namespace Mesh.Grpc.Tests;

public sealed class GrpcMessageSizeTests
{
    [Fact]
    public async Task UnaryAsync_RequestOverClientSendLimit_ResourceExhaustedWithoutCallingServer()
    {
        var calls = 0;
        await using var server = await GrpcTestServer.StartAsync(endpoints => endpoints.MapGrpcUnary(InteropMethods.Echo,
            (_, _) => { Interlocked.Increment(ref calls); return Task.FromResult(new EchoReply()); }));
        using var channel = new GrpcChannel(server.Address, new GrpcChannelOptions { MaxSendMessageSize = 1024 });

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo, Padded(2048)));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Status);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task UnaryAsync_RequestOverServerReceiveLimit_ResourceExhausted()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService(), new GrpcServerOptions { MaxReceiveMessageSize = 1024 });
        using var channel = new GrpcChannel(server.Address);

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo, Padded(2048)));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Status);
        Assert.Contains("1024", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryAsync_ReplyOverServerSendLimit_ResourceExhausted()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService(), new GrpcServerOptions { MaxSendMessageSize = 1024 });
        using var channel = new GrpcChannel(server.Address);

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo, new EchoRequest { ReplyPayloadSize = 2048 }));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Status);
    }

    [Fact]
    public async Task UnaryAsync_ReplyOverClientReceiveLimit_ResourceExhausted()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());
        using var channel = new GrpcChannel(server.Address, new GrpcChannelOptions { MaxReceiveMessageSize = 1024 });

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo, new EchoRequest { ReplyPayloadSize = 2048 }));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Status);
        Assert.Contains("1024", error.Detail, StringComparison.Ordinal);
    }

    private static EchoRequest Padded(int size) => new() { Payload = ByteString.CopyFrom(new byte[size]) };
}
