// Sends hand-made bytes to a gRPC server over HTTP/2 (or HTTP/1.1), to test what our own client would never send.
using System.Net;
using System.Net.Http.Headers;

namespace Mesh.Grpc.Tests.Infrastructure;

internal static class RawHttp2Client
{
    /// <summary>The response with its body read, so its trailers are available.</summary>
    public static async Task<(HttpResponseMessage Response, byte[] Body)> PostAsync(Uri address, string path, byte[] body,
        string contentType = "application/grpc", Version? version = null, params (string Name, string Value)[] headers)
    {
        using var handler = new SocketsHttpHandler();
        using var client = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(address, path))
        {
            Version = version ?? HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var response = await client.SendAsync(request);
        var responseBody = await response.Content.ReadAsByteArrayAsync();
        return (response, responseBody);
    }

    /// <summary>grpc-status from the trailers, or from the headers of a trailers-only response.</summary>
    public static string? Status(HttpResponseMessage response) => Header(response, "grpc-status");

    public static string? Message(HttpResponseMessage response) => Header(response, "grpc-message");

    private static string? Header(HttpResponseMessage response, string name)
        => response.TrailingHeaders.TryGetValues(name, out var trailer) ? trailer.Single()
            : response.Headers.TryGetValues(name, out var header) ? header.Single()
            : null;
}
