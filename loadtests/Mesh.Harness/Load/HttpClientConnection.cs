using System.Net;

namespace Mesh.Harness.Load;

/// <summary>
/// HTTP/2 through .NET's client: h2c with prior knowledge on http://, ALPN on https://. Every slot of a run shares one
/// handler, so the run's "connections" are concurrent streams on one connection, as h2load's -m is. A request
/// allocates its message objects here (HTTP/2 framing is not worth a hand-written client in this harness).
/// </summary>
internal sealed class HttpClientConnection(HttpMessageInvoker client, LoadTarget target) : ILoadConnection
{
    public static SocketsHttpHandler CreateHandler(int connections) => new()
    {
        MaxConnectionsPerServer = connections,
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        // The mesh's and the test servers' certificates are their own: a load tool measures, it does not authenticate.
        SslOptions = { RemoteCertificateValidationCallback = static (_, _, _, _) => true },
    };

    public async ValueTask<bool> SendAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, target.Url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (target.Host is { } host)
        {
            request.Headers.Host = host;
        }

        using var response = await client.SendAsync(request, cancellationToken);
        await response.Content.CopyToAsync(Stream.Null, cancellationToken);
        return response.IsSuccessStatusCode;
    }

    public ValueTask ResetAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
