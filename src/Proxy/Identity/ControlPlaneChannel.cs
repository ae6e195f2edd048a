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
    /// <param name="identity">Whose certificate to present when the control plane asks for one (https:// only); null presents none.</param>
    public static GrpcChannel Create(Uri address, string? rootFile, TimeProvider time, WorkloadIdentityStore? identity = null)
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
            if (identity is not null)
            {
                // Asked per handshake: a new connection presents the certificate installed last, one already open keeps
                // the one it was authenticated with (its streams stay up across a renewal). None yet: no certificate.
                handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => identity.Current?.Leaf!;
            }
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
