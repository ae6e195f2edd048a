// Our client against our Kestrel server on 127.0.0.1: unary and duplex calls, statuses, deadlines, cancellation, limits.
using Google.Protobuf;
using Mesh.Grpc.Tests.Infrastructure;
using Mesh.Grpc.Tests.Interop;

namespace Mesh.Grpc.Tests;

public sealed class GrpcChannelTests
{
    [Fact]
    public async Task UnaryAsync_Echo_ReturnsReply()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());
        using var channel = new GrpcChannel(server.Address);

        var reply = await channel.UnaryAsync(InteropMethods.Echo, new EchoRequest { Text = "hello" });

        Assert.Equal("hello", reply.Text);
    }

    [Fact]
    public async Task UnaryAsync_HandlerThrowsGrpcException_StatusAndNonAsciiMessageRoundTrip()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());
        using var channel = new GrpcChannel(server.Address);

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo,
            new EchoRequest { FailCode = (int)GrpcStatusCode.PermissionDenied, FailMessage = "verweigert: Größe 100% ✓\nnext line" }));

        Assert.Equal(GrpcStatusCode.PermissionDenied, error.Status);
        Assert.Equal("verweigert: Größe 100% ✓\nnext line", error.Detail);
    }

    [Fact]
    public async Task UnaryAsync_HandlerThrowsOtherException_EndsWithUnknown()
    {
        await using var server = await GrpcTestServer.StartAsync(endpoints => endpoints.MapGrpcUnary(InteropMethods.Echo,
            (_, _) => Task.FromException<EchoReply>(new InvalidOperationException("secret internals"))));
        using var channel = new GrpcChannel(server.Address);

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo, new EchoRequest()));

        Assert.Equal(GrpcStatusCode.Unknown, error.Status);
        Assert.DoesNotContain("secret", error.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryAsync_CallerHeaders_ReachTheHandler()
    {
        await using var server = await GrpcTestServer.StartAsync(endpoints => endpoints.MapGrpcUnary(InteropMethods.Echo,
            (_, context) => Task.FromResult(new EchoReply { Text = context.HttpContext.Request.Headers["x-mesh-node"].ToString() })));
        using var channel = new GrpcChannel(server.Address);

        var reply = await channel.UnaryAsync(InteropMethods.Echo, new EchoRequest(),
            new GrpcCallOptions(Headers: new Dictionary<string, string> { ["x-mesh-node"] = "sidecar~a.default" }));

        Assert.Equal("sidecar~a.default", reply.Text);
    }

    [Fact]
    public async Task UnaryAsync_ReservedCallerHeader_ThrowsArgumentException()
    {
        using var channel = new GrpcChannel(new Uri("http://127.0.0.1:1"));

        var error = await Assert.ThrowsAsync<ArgumentException>(() => channel.UnaryAsync(InteropMethods.Echo, new EchoRequest(),
            new GrpcCallOptions(Headers: new Dictionary<string, string> { ["grpc-timeout"] = "1S" })));

        Assert.Contains("grpc-timeout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnaryAsync_UnmappedMethod_Unimplemented()
    {
        await using var server = await GrpcTestServer.StartAsync(_ => { });
        using var channel = new GrpcChannel(server.Address);

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo, new EchoRequest()));

        Assert.Equal(GrpcStatusCode.Unimplemented, error.Status);
    }

    [Fact]
    public async Task UnaryAsync_NothingListening_Unavailable()
    {
        var port = GetFreePort();
        using var channel = new GrpcChannel(new Uri($"http://127.0.0.1:{port}"));

        var error = await Assert.ThrowsAsync<GrpcException>(() => channel.UnaryAsync(InteropMethods.Echo, new EchoRequest()));

        Assert.Equal(GrpcStatusCode.Unavailable, error.Status);
    }

    [Fact]
    public async Task StartDuplexAsync_PingPong_WritesAndReadsInterleave()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());
        using var channel = new GrpcChannel(server.Address);
        await using var call = await channel.StartDuplexAsync(InteropMethods.Chat);
        await using var replies = call.ReadAllAsync().GetAsyncEnumerator();

        foreach (var word in new[] { "one", "two", "three" })
        {
            // The next request is written only after the previous reply arrived: a half-duplex transport would hang here.
            await call.WriteAsync(new EchoRequest { Text = word });
            Assert.True(await replies.MoveNextAsync());
            Assert.Equal(word, replies.Current.Text);
        }

        await call.CompleteRequestsAsync();
        Assert.False(await replies.MoveNextAsync());
    }

    [Fact]
    public async Task StartDuplexAsync_ServerFailsMidStream_ReadThrowsStatusAfterEarlierReplies()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());
        using var channel = new GrpcChannel(server.Address);
        await using var call = await channel.StartDuplexAsync(InteropMethods.Chat);

        await call.WriteAsync(new EchoRequest { Text = "fine" });
        await call.WriteAsync(new EchoRequest { FailCode = (int)GrpcStatusCode.FailedPrecondition, FailMessage = "no more" });
        var received = new List<string>();
        var error = await Assert.ThrowsAsync<GrpcException>(async () =>
        {
            await foreach (var reply in call.ReadAllAsync())
            {
                received.Add(reply.Text);
            }
        });

        Assert.Equal(["fine"], received);
        Assert.Equal(GrpcStatusCode.FailedPrecondition, error.Status);
        Assert.Equal("no more", error.Detail);
    }

    [Fact]
    public async Task UnaryAsync_ClientDeadlinePasses_DeadlineExceededAndServerHandlerCancelled()
    {
        var service = new InteropService();
        await using var server = await GrpcTestServer.StartInteropAsync(service);
        var clientClock = new FakeTimeProvider();
        using var channel = new GrpcChannel(server.Address, new GrpcChannelOptions { TimeProvider = clientClock });

        var call = channel.UnaryAsync(InteropMethods.Echo, new EchoRequest { Hang = true }, new GrpcCallOptions(Timeout: TimeSpan.FromSeconds(30)));
        var context = await service.HangStarted.Task.OrHang();
        clientClock.Advance(TimeSpan.FromSeconds(30));

        var error = await Assert.ThrowsAsync<GrpcException>(() => call.OrHang());
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.Status);
        Assert.NotNull(context.Deadline);
        await service.HangCancelled.Task.OrHang();
    }

    [Fact]
    public async Task UnaryAsync_ServerDeadlinePasses_ServerEndsCallWithDeadlineExceeded()
    {
        var service = new InteropService();
        var serverClock = new FakeTimeProvider();
        await using var server = await GrpcTestServer.StartInteropAsync(service, new GrpcServerOptions { TimeProvider = serverClock });
        // The client's own clock never moves: only the server's grpc-timeout handling can end this call.
        using var channel = new GrpcChannel(server.Address, new GrpcChannelOptions { TimeProvider = new FakeTimeProvider() });

        var call = channel.UnaryAsync(InteropMethods.Echo, new EchoRequest { Hang = true }, new GrpcCallOptions(Timeout: TimeSpan.FromSeconds(5)));
        var context = await service.HangStarted.Task.OrHang();
        Assert.Equal(serverClock.GetUtcNow() + TimeSpan.FromSeconds(5), context.Deadline);
        serverClock.Advance(TimeSpan.FromSeconds(5));

        var error = await Assert.ThrowsAsync<GrpcException>(() => call.OrHang());
        Assert.Equal(GrpcStatusCode.DeadlineExceeded, error.Status);
        await service.HangCancelled.Task.OrHang();
    }

    [Fact]
    public async Task UnaryAsync_ClientCancels_CancelledAndServerHandlerObservesIt()
    {
        var service = new InteropService();
        await using var server = await GrpcTestServer.StartInteropAsync(service);
        using var channel = new GrpcChannel(server.Address);
        using var cancellation = new CancellationTokenSource();

        var call = channel.UnaryAsync(InteropMethods.Echo, new EchoRequest { Hang = true }, new GrpcCallOptions(CancellationToken: cancellation.Token));
        await service.HangStarted.Task.OrHang();
        cancellation.Cancel();

        var error = await Assert.ThrowsAsync<GrpcException>(() => call.OrHang());
        Assert.Equal(GrpcStatusCode.Cancelled, error.Status);
        await service.HangCancelled.Task.OrHang();
    }

    [Fact]
    public async Task DisposeAsync_DuplexInFlight_ServerHandlerObservesCancellation()
    {
        var service = new InteropService();
        await using var server = await GrpcTestServer.StartInteropAsync(service);
        using var channel = new GrpcChannel(server.Address);
        var call = await channel.StartDuplexAsync(InteropMethods.Chat);

        await call.WriteAsync(new EchoRequest { Hang = true });
        await service.HangStarted.Task.OrHang();
        await call.DisposeAsync();

        await service.HangCancelled.Task.OrHang();
    }

    [Fact]
    public async Task WriteAsync_SecondWriteWhileFirstIsBlocked_ThrowsInvalidOperation()
    {
        // The handler never reads, so HTTP/2 flow control holds the first (large) write until the call ends.
        await using var server = await GrpcTestServer.StartAsync(endpoints => endpoints.MapGrpcDuplex(InteropMethods.Chat,
            (IGrpcStreamReader<EchoRequest> _, IGrpcStreamWriter<EchoReply> _, GrpcServerCallContext context) => Task.Delay(Timeout.Infinite, context.CancellationToken)));
        using var channel = new GrpcChannel(server.Address);
        await using var call = await channel.StartDuplexAsync(InteropMethods.Chat);

        var blocked = call.WriteAsync(Padded(3 * 1024 * 1024));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => call.WriteAsync(new EchoRequest()));

        Assert.Contains("a write is already in progress", error.Message, StringComparison.Ordinal);
        Assert.False(blocked.IsCompleted);
        await call.DisposeAsync();
        await Assert.ThrowsAsync<GrpcException>(() => blocked.OrHang());
    }

    [Fact]
    public async Task WriteAsync_ServerWriterUsedConcurrently_ThrowsInvalidOperation()
    {
        var secondWrite = new TaskCompletionSource<(bool FirstWriteHeld, bool SecondWriteEnded, Exception? Error)>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await GrpcTestServer.StartAsync(endpoints => endpoints.MapGrpcDuplex(InteropMethods.Chat,
            async (IGrpcStreamReader<EchoRequest> _, IGrpcStreamWriter<EchoReply> writer, GrpcServerCallContext context) =>
            {
                // The client never reads, so flow control holds the first (large) write.
                var blocked = writer.WriteAsync(new EchoReply { Payload = ByteString.CopyFrom(new byte[3 * 1024 * 1024]) });
                var firstWriteHeld = !blocked.IsCompleted;
                // The second write must be refused at once, not queue behind the first (which never ends here).
                var second = Record(() => writer.WriteAsync(new EchoReply()));
                secondWrite.TrySetResult((firstWriteHeld, second.IsCompleted, second.IsCompleted ? await second : null));
                await blocked;
            }));
        using var channel = new GrpcChannel(server.Address);
        // No client write: StartDuplexAsync alone must get the call to the server and its handler running.
        await using var call = await channel.StartDuplexAsync(InteropMethods.Chat);

        var (firstWriteHeld, secondWriteEnded, error) = await secondWrite.Task.OrHang();

        Assert.True(firstWriteHeld, "The first write was not held by flow control, so the second one did not overlap it.");
        Assert.True(secondWriteEnded, "The second write waited for the first instead of being refused.");
        Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("a write is already in progress", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartDuplexAsync_OnWarmConnection_ServerHandlerRunsBeforeFirstWrite()
    {
        // A connection already set up flushes nothing on its own: the HEADERS frame must not wait for the first message.
        var service = new InteropService();
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await GrpcTestServer.StartAsync(endpoints =>
        {
            endpoints.MapGrpcUnary(InteropMethods.Echo, service.EchoAsync);
            endpoints.MapGrpcDuplex(InteropMethods.Chat, (IGrpcStreamReader<EchoRequest> _, IGrpcStreamWriter<EchoReply> _, GrpcServerCallContext context) =>
            {
                handlerStarted.TrySetResult();
                return Task.Delay(Timeout.Infinite, context.CancellationToken);
            });
        });
        using var channel = new GrpcChannel(server.Address);
        await channel.UnaryAsync(InteropMethods.Echo, new EchoRequest { Text = "warm-up" });

        await using var call = await channel.StartDuplexAsync(InteropMethods.Chat);

        await handlerStarted.Task.OrHang();
    }

    [Fact]
    public async Task StartDuplexAsync_ServerSettingsAckedBeforeHeaders_ServerHandlerRunsBeforeFirstWrite()
    {
        // On a new connection the client's SETTINGS ACK usually flushes the HEADERS frame along with it; under load the
        // ACK can go out first (forced here), and then nothing but our own flush sends the headers.
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = await GrpcTestServer.StartAsync(endpoints => endpoints.MapGrpcDuplex(InteropMethods.Chat,
            (IGrpcStreamReader<EchoRequest> _, IGrpcStreamWriter<EchoReply> _, GrpcServerCallContext context) =>
            {
                handlerStarted.TrySetResult();
                return Task.Delay(Timeout.Infinite, context.CancellationToken);
            }));
        using var handler = ServerSettingsFirstStream.CreateHandler();
        using var channel = new GrpcChannel(server.Address, new GrpcChannelOptions { Handler = handler });

        await using var call = await channel.StartDuplexAsync(InteropMethods.Chat);

        await handlerStarted.Task.OrHang();
    }

    private static async Task<Exception?> Record(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static EchoRequest Padded(int size) => new() { Payload = ByteString.CopyFrom(new byte[size]) };

    private static int GetFreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
