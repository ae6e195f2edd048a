// What our server answers to requests our own client would never send: wrong protocol, wrong content, broken frames.
using System.Net;
using Mesh.Grpc.Tests.Infrastructure;
using Mesh.Grpc.Tests.Interop;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Grpc.Tests;

public sealed class GrpcServerProtocolTests
{
    private const string EchoPath = "/mesh.interop.v1.Interop/Echo";
    private static readonly byte[] HiFrame = [0, 0, 0, 0, 4, 0x0A, 0x02, (byte)'h', (byte)'i'];

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 10, 0x0A }, "Incomplete message")]
    [InlineData(new byte[] { 0, 0 }, "Incomplete message")]
    [InlineData(new byte[] { 1, 0, 0, 0, 1, 0 }, "compressed")]
    [InlineData(new byte[] { 7, 0, 0, 0, 0 }, "Malformed message frame")]
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x0A, 0x05 }, "deserialize")]
    [InlineData(new byte[] { }, "without a message")]
    [InlineData(new byte[] { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, "more than one message")]
    public async Task Unary_MalformedRequestStream_InternalAndServerKeepsServing(byte[] body, string detailPart)
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());

        var (response, responseBody) = await RawHttp2Client.PostAsync(server.Address, EchoPath, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(responseBody);
        Assert.Equal("13", RawHttp2Client.Status(response));
        Assert.Contains(detailPart, Uri.UnescapeDataString(RawHttp2Client.Message(response)!), StringComparison.Ordinal);
        using var channel = new GrpcChannel(server.Address);
        Assert.Equal("still here", (await channel.UnaryAsync(InteropMethods.Echo, new EchoRequest { Text = "still here" })).Text);
    }

    [Fact]
    public async Task Unary_WellFormedRequest_RespondsWithFrameAndStatusInTrailers()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());

        var (response, body) = await RawHttp2Client.PostAsync(server.Address, EchoPath, HiFrame, "application/grpc+proto");

        Assert.Equal("application/grpc", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HiFrame, body);
        Assert.Equal("0", response.TrailingHeaders.GetValues("grpc-status").Single());
        Assert.False(response.Headers.Contains("grpc-status"));
    }

    [Fact]
    public async Task Unary_HandlerError_TrailersOnlyResponse()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());
        var request = new byte[] { 0, 0, 0, 0, 2, 0x10, 0x05 }; // fail_code = 5 (NOT_FOUND)

        var (response, body) = await RawHttp2Client.PostAsync(server.Address, EchoPath, request);

        Assert.Empty(body);
        Assert.Equal("5", response.Headers.GetValues("grpc-status").Single());
        Assert.False(response.TrailingHeaders.Contains("grpc-status"));
    }

    [Fact]
    public async Task Unary_Http11Request_Answers426WithGrpcStatus()
    {
        await using var server = await GrpcTestServer.StartAsync(
            endpoints => endpoints.MapGrpcUnary(InteropMethods.Echo, new InteropService().EchoAsync), HttpProtocols.Http1);

        var (response, _) = await RawHttp2Client.PostAsync(server.Address, EchoPath, HiFrame, version: HttpVersion.Version11);

        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);
        Assert.Equal("13", RawHttp2Client.Status(response));
    }

    [Fact]
    public async Task Unary_WrongContentType_Answers415WithGrpcStatus()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());

        var (response, _) = await RawHttp2Client.PostAsync(server.Address, EchoPath, HiFrame, "application/json");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("13", RawHttp2Client.Status(response));
    }

    [Fact]
    public async Task Unary_UnsupportedGrpcEncoding_UnimplementedWithAcceptEncoding()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());

        var (response, _) = await RawHttp2Client.PostAsync(server.Address, EchoPath, HiFrame, headers: ("grpc-encoding", "gzip"));

        Assert.Equal("12", RawHttp2Client.Status(response));
        Assert.Equal("identity", response.Headers.GetValues("grpc-accept-encoding").Single());
    }

    [Fact]
    public async Task Unary_MalformedGrpcTimeout_InternalNamingTheHeader()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());

        var (response, _) = await RawHttp2Client.PostAsync(server.Address, EchoPath, HiFrame, headers: ("grpc-timeout", "soon"));

        Assert.Equal("13", RawHttp2Client.Status(response));
        Assert.Contains("grpc-timeout", Uri.UnescapeDataString(RawHttp2Client.Message(response)!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplex_TruncatedFrameAfterGoodOne_ReplyThenInternal()
    {
        await using var server = await GrpcTestServer.StartInteropAsync(new InteropService());

        var (response, body) = await RawHttp2Client.PostAsync(server.Address, "/mesh.interop.v1.Interop/Chat", [.. HiFrame, 0, 0, 0, 0, 9]);

        Assert.Equal(HiFrame, body);
        Assert.Equal("13", response.TrailingHeaders.GetValues("grpc-status").Single());
    }
}
