// Builds the HTTP/2 request of a client call: POST to the method path, gRPC headers, deadline and caller headers.
using System.Net;

namespace Mesh.Grpc.Internal;

internal static class GrpcRequestFactory
{
    public static HttpRequestMessage Create(Uri uri, HttpContent content, GrpcCallOptions options)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            // Prior knowledge on http://: never fall back to HTTP/1.1, which cannot carry trailers for gRPC.
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation("TE", "trailers");
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.IdentityEncoding);
        if (options.Timeout is { } timeout)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout));
        }

        if (options.Headers is { } extra)
        {
            foreach (var (name, value) in extra)
            {
                if (name.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) || !headers.TryAddWithoutValidation(name, value))
                {
                    request.Dispose();
                    throw new ArgumentException($"Header '{name}' cannot be set on a gRPC call: it is reserved or not a request header.", nameof(options));
                }
            }
        }

        return request;
    }
}
