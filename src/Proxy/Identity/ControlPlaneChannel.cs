// The proxy's gRPC channel to its control plane: TLS verified against the CA root bundle for https://, plaintext h2c for http://.
using System.Security.Authentication;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts;

namespace Mesh.Proxy.Identity;

/// <summary>Builds the Grpc.Net.Client channel discovery and certificate requests share, and says in one line why a call failed.</summary>
internal static class ControlPlaneChannel
{
    /// <param name="rootFile">The CA root bundle (root-cert.pem); required for https://, unused for http://.</param>
    public static GrpcChannel Create(Uri address, string? rootFile, TimeProvider time)
    {
        var handler = new SocketsHttpHandler
        {
            // More connections rather than calls queued behind one connection's stream limit.
            EnableMultipleHttp2Connections = true,
            // A discovery stream is quiet between pushes: pings find a dead control plane (or a path that dropped the
            // connection) within ping delay + timeout, and the discovery client reconnects.
            KeepAlivePingDelay = TimeSpan.FromSeconds(60),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        };
        if (address.Scheme == Uri.UriSchemeHttps)
        {
            if (rootFile is null)
            {
                handler.Dispose();
                throw new ArgumentException($"{address}: TLS to the control plane needs the CA root bundle (--ca-root-file)", nameof(rootFile));
            }

            handler.SslOptions.EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13;
            handler.SslOptions.RemoteCertificateValidationCallback = new ControlPlaneCertificateValidator(rootFile, time).Validate;
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxSendMessageSize = GrpcMessageLimits.MaxRequestSize,
            MaxReceiveMessageSize = GrpcMessageLimits.MaxResponseSize,
        });
    }

    /// <summary>
    /// Why a call failed, for a log line: the transport's innermost reason (connection refused, the certificate check's
    /// refusal) rather than RpcException's "Status(StatusCode=..., DebugException=...)" wrapper; else the status and detail.
    /// </summary>
    public static string DescribeFailure(Exception exception) => exception switch
    {
        RpcException { Status.DebugException: { } cause } => cause.GetBaseException().Message,
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        _ => exception.GetBaseException().Message,
    };
}
