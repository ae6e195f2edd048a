// Interop with a real peer, both directions: our client against a grpc-js server, a grpc-js client against our server.
using Mesh.Grpc.Tests.Infrastructure;
using Mesh.Grpc.Tests.Interop;

namespace Mesh.Grpc.Tests;

public sealed class GrpcJsInteropTests
{
    [Fact]
    public async Task UnaryAsync_AgainstGrpcJsServer_ReturnsReply()
    {
        await using var server = await NodeGrpcServer.StartAsync();
        using var channel = new GrpcChannel(server.Address);

        var reply = await channel.UnaryAsync(InteropMethods.Echo, new EchoRequest { Text = "hello from Mesh" });

        Assert.Equal("hello from Mesh", reply.Text);
    }

    [Fact]
    public async Task UnaryAsync_GrpcJsServerFails_StatusAndNonAsciiMessage()
    {
        await using var server = await NodeGrpcServer.StartAsync();
        using var channel = new GrpcChannel(server.Address);

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo,
            new EchoRequest { FailCode = (int)GrpcStatusCode.PermissionDenied, FailMessage = "denied: café ✓ 100%" }));

        Assert.Equal(GrpcStatusCode.PermissionDenied, error.Status);
        Assert.Equal("denied: café ✓ 100%", error.Detail);
    }

    [Fact]
    public async Task UnaryAsync_GrpcJsServerNeverAnswers_DeadlineExceeded()
    {
        await using var server = await NodeGrpcServer.StartAsync();
        using var channel = new GrpcChannel(server.Address);

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo,
            new EchoRequest { Hang = true }, new GrpcCallOptions(Timeout: TimeSpan.FromMilliseconds(300))));

        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.Status);
    }

    [Fact]
    public async Task StartDuplexAsync_AgainstGrpcJsServer_PingPongThenOk()
    {
        await using var server = await NodeGrpcServer.StartAsync();
        using var channel = new GrpcChannel(server.Address);
        await using var call = await channel.StartDuplexAsync(InteropMethods.Chat);
        await using var replies = call.ReadAllAsync().GetAsyncEnumerator();

        foreach (var word in new[] { "one", "two", "three" })
        {
            await call.WriteAsync(new EchoRequest { Text = word });
            Assert.True(await replies.MoveNextAsync());
            Assert.Equal(word, replies.Current.Text);
        }

        await call.CompleteRequestsAsync();
        Assert.False(await replies.MoveNextAsync());
    }

    [Fact]
    public async Task StartDuplexAsync_GrpcJsServerFailsMidStream_ReadThrowsStatus()
    {
        await using var server = await NodeGrpcServer.StartAsync();
        using var channel = new GrpcChannel(server.Address);
        await using var call = await channel.StartDuplexAsync(InteropMethods.Chat);

        await call.WriteAsync(new EchoRequest { FailCode = (int)GrpcStatusCode.ResourceExhausted, FailMessage = "quota" });
        var error = await Assert.ThrowsAsync<GrpcException>(async () =>
        {
            await foreach (var _ in call.ReadAllAsync())
            {
            }
        });

        Assert.Equal(GrpcStatusCode.ResourceExhausted, error.Status);
        Assert.Equal("quota", error.Detail);
    }

    [Fact]
    public async Task GrpcJsClient_UnaryAgainstOurServer_ReturnsReply()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());

        var result = await NodeInterop.RunClientAsync(server.Port, "unary");

        Assert.Equal(0, result.Code);
        Assert.Equal(["hello from grpc-js"], result.Texts);
    }

    [Fact]
    public async Task GrpcJsClient_ErrorFromOurServer_StatusAndNonAsciiMessage()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());

        var result = await NodeInterop.RunClientAsync(server.Port, "error");

        Assert.Equal((int)GrpcStatusCode.PermissionDenied, result.Code);
        Assert.Equal("denied: café ✓ 100%", result.Details);
    }

    [Fact]
    public async Task GrpcJsClient_DeadlineAgainstOurServer_DeadlineExceededAndHandlerCancelled()
    {
        var service = new InteropService();
        await using var server = await GrpcTestServer.StartInteropAsync(service);

        var result = await NodeInterop.RunClientAsync(server.Port, "deadline");

        Assert.Equal((int)GrpcStatusCode.DeadlineExceeded, result.Code);
        var context = await service.HangStarted.Task.OrHang();
        Assert.NotNull(context.Deadline);
        await service.HangCancelled.Task.OrHang();
    }

    [Fact]
    public async Task GrpcJsClient_DuplexPingPongAgainstOurServer_AllRepliesThenOk()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());

        var result = await NodeInterop.RunClientAsync(server.Port, "duplex");

        Assert.Equal(0, result.Code);
        Assert.Equal(["one", "two", "three"], result.Texts);
    }
}
