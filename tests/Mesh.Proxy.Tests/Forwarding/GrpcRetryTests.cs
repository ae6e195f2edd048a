using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Forwarding;

/// <summary>
/// Envoy's gRPC retry conditions over h2c, with the request message replayed: a trailers-only response whose
/// grpc-status is a listed code is retried; an unlisted code, or a status in real trailers after a message, is not.
/// </summary>
public sealed class GrpcRetryTests
{
    private static readonly byte[] Message = [0, 0, 0, 0, 3, 1, 2, 3];

    [Theory]
    [InlineData("unavailable", 14)]
    [InlineData("cancelled", 1)]
    [InlineData("deadline-exceeded", 4)]
    [InlineData("resource-exhausted", 8)]
    [InlineData("internal", 13)]
    public async Task Retry_TrailersOnlyStatusListed_RetriedWithTheMessage(string retryOn, int status)
    {
        var received = new List<byte[]>();
        await using var upstream = await StartUpstreamAsync(async context =>
        {
            var body = await ReadAllAsync(context.Request);
            int attempt;
            lock (received)
            {
                received.Add(body);
                attempt = received.Count;
            }

            context.Response.ContentType = "application/grpc";
            if (attempt == 1)
            {
                // Trailers-only: the status in the headers, no message.
                context.Response.Headers["grpc-status"] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return;
            }

            context.Response.AppendTrailer("grpc-status", "0");
            await context.Response.Body.WriteAsync(body);
        });
        var (proxy, port) = await StartProxyAsync(upstream, retryOn);
        await using var owned = proxy;

        var (response, trailerStatus) = await CallAsync(port);

        Assert.Equal(HttpStatusCode.OK, response);
        Assert.Equal("0", trailerStatus);
        Assert.Equal(2, received.Count);
        Assert.All(received, body => Assert.Equal(Message, body));
    }

    [Fact]
    public async Task Retry_TrailersOnlyStatusNotListed_NotRetried()
    {
        await using var upstream = await StartUpstreamAsync(context =>
        {
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = "3";
            return Task.CompletedTask;
        });
        var (proxy, port) = await StartProxyAsync(upstream, "unavailable,cancelled,internal,resource-exhausted,deadline-exceeded");
        await using var owned = proxy;

        await CallAsync(port);

        Assert.Equal(1, upstream.Requests);
    }

    [Fact]
    public async Task Retry_StatusInTrailersAfterAMessage_NotRetried()
    {
        await using var upstream = await StartUpstreamAsync(async context =>
        {
            context.Response.ContentType = "application/grpc";
            context.Response.AppendTrailer("grpc-status", "14");
            await context.Response.Body.WriteAsync(Message);
        });
        var (proxy, port) = await StartProxyAsync(upstream, "unavailable");
        await using var owned = proxy;

        var (_, trailerStatus) = await CallAsync(port);

        Assert.Equal("14", trailerStatus);
        Assert.Equal(1, upstream.Requests);
    }

    private static Task<UpstreamServer> StartUpstreamAsync(RequestDelegate handler) => UpstreamServer.StartAsync(handler, HttpProtocols.Http2);

    private static async Task<(TestProxy Proxy, int Port)> StartProxyAsync(UpstreamServer upstream, string retryOn)
    {
        var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var retry = new RetryPolicy { NumRetries = 2 };
        retry.RetryOn.AddRange(retryOn.Split(','));
        await proxy.ApplyAsync(
            [Cluster("grpc", UpstreamProtocol.Http2)],
            [Endpoints("grpc", upstream.Port)],
            Listener("http.80", port, "http.80"),
            Routes("http.80", Host("any", ["*"], Forward(new RouteAction { RetryPolicy = retry }, null, "grpc", ("grpc", 100)))));
        return (proxy, port);
    }

    /// <summary>One unary call over h2c; its HTTP status and the grpc-status it ended with (header or trailer).</summary>
    private static async Task<(HttpStatusCode Status, string? GrpcStatus)> CallAsync(int port)
    {
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"http://127.0.0.1:{port}/pkg.Service/Method")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            // No Content-Length, as a gRPC client streams its messages.
            Content = new StreamContent(new MemoryStream(Message)),
        };
        request.Content.Headers.ContentType = new("application/grpc");

        using var response = await client.SendAsync(request);
        await response.Content.ReadAsByteArrayAsync();
        var status = response.TrailingHeaders.TryGetValues("grpc-status", out var trailer) ? trailer.Single()
            : response.Headers.TryGetValues("grpc-status", out var header) ? header.Single() : null;
        return (response.StatusCode, status);
    }

    private static async Task<byte[]> ReadAllAsync(HttpRequest request)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        return body.ToArray();
    }
}
