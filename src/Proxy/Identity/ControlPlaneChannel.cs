// The proxy's gRPC channel to its control plane: TLS verified against the CA root bundle for https://, plaintext h2c for http://.
using System.Security.Authentication;
using Mesh.Grpc;

namespace Mesh.Proxy.Identity;

/// <summary>Owns the channel and, for TLS, the handler it runs on (a channel does not dispose a handler it was given).</summary>
internal sealed class ControlPlaneChannel : IDisposable
{
    private readonly SocketsHttpHandler? _handler;

    /// <param name="rootFile">The CA root bundle (root-cert.pem); required for https://, unused for http://.</param>
    public ControlPlaneChannel(Uri address, string? rootFile, TimeProvider time)
    {
        if (address.Scheme == Uri.UriSchemeHttps)
        {
            if (rootFile is null)
            {
                throw new ArgumentException($"{address}: TLS to the control plane needs the CA root bundle (--ca-root-file)", nameof(rootFile));
            }

            var validator = new ControlPlaneCertificateValidator(rootFile, time);
            _handler = new SocketsHttpHandler
            {
                // As GrpcChannel's own handler: more connections rather than queued calls, pings on long streams.
                EnableMultipleHttp2Connections = true,
                KeepAlivePingDelay = TimeSpan.FromSeconds(60),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                SslOptions =
                {
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                    RemoteCertificateValidationCallback = validator.Validate,
                },
            };
        }

        Channel = new GrpcChannel(address, new GrpcChannelOptions { Handler = _handler, TimeProvider = time });
    }

    public GrpcChannel Channel { get; }

    public void Dispose()
    {
        Channel.Dispose();
        _handler?.Dispose();
    }
}
