// Opens TLS connections to a cluster's endpoints: mTLS with the workload certificate verifying the peer's SPIFFE id (ISTIO_MUTUAL), or TLS to outside services (SIMPLE/MUTUAL).
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Model;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Configuration;

/// <summary>
/// Plugged into the cluster's SocketsHttpHandler as its ConnectCallback: the handler sees a plain stream and speaks
/// HTTP on it, so we choose ALPN and verify the peer ourselves. Each handshake reads the current workload certificate,
/// so a rotation applies to the next connection without touching open ones.
/// </summary>
internal sealed class ClusterTlsConnector
{
    private readonly UpstreamTls _tls;
    private readonly string _clusterName;
    private readonly WorkloadIdentityStore? _identity;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private static readonly List<SslApplicationProtocol> Http2Only = [SslApplicationProtocol.Http2];
    private static readonly List<SslApplicationProtocol> Http11Only = [SslApplicationProtocol.Http11];

    // The ALPN offered; null when it follows the request that opens the connection (a DOWNSTREAM cluster).
    private readonly List<SslApplicationProtocol>? _protocols;
    private readonly string[] _expected;
    private readonly TrustBundle? _externalRoots;
    private readonly X509Certificate2? _clientCertificate;
    private readonly RevocationLists? _revocations;
    private readonly TcpKeepalive? _keepalive;

    public ClusterTlsConnector(Cluster cluster, WorkloadIdentityStore? identity, TimeProvider time, ILogger logger)
    {
        _tls = cluster.Tls;
        _keepalive = cluster.ConnectionPool?.TcpKeepalive;
        _clusterName = cluster.Name;
        _identity = identity;
        _time = time;
        _logger = logger;
        _expected = [.. _tls.SubjectAltNames];
        _protocols = ClusterModel.SpeaksHttp2(cluster) switch { true => Http2Only, false => Http11Only, null => null };
        if (_tls.Mode is UpstreamTlsMode.Simple or UpstreamTlsMode.Mutual)
        {
            // Inline PEM (a Secret named by credentialName) in place of the files, when the control plane sent it.
            _externalRoots = _tls.CaCertificatesPem.Length > 0 ? TrustBundle.FromPem(_tls.CaCertificatesPem)
                : _tls.CaCertificates.Length > 0 ? TrustBundle.FromPem(File.ReadAllText(_tls.CaCertificates)) : null;
            _revocations = _tls.CaCrlPem.Length > 0 ? RevocationLists.FromPem(_tls.CaCrlPem)
                : _tls.CaCrl.Length > 0 ? RevocationLists.FromPem(File.ReadAllText(_tls.CaCrl)) : null;
            // MUTUAL without a key pair: its credentialName's Secret is missing, and the handshake goes without one (the
            // server refuses it), as an Envoy cluster waiting for its secret serves no request.
            _clientCertificate = _tls.Mode != UpstreamTlsMode.Mutual ? null
                : _tls.ClientCertificatePem.Length > 0 ? X509Certificate2.CreateFromPem(_tls.ClientCertificatePem, _tls.PrivateKeyPem)
                : _tls.ClientCertificate.Length > 0 ? X509Certificate2.CreateFromPemFile(_tls.ClientCertificate, _tls.PrivateKey)
                : null;
        }
    }

    /// <summary>
    /// The handler's connection. A cluster that follows its clients' protocol keeps an HTTP/1.1 and an HTTP/2 pool side
    /// by side; each connection offers the ALPN of the request it is opened for.
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var protocols = _protocols ?? (context.InitialRequestMessage.Version.Major >= 2 ? Http2Only : Http11Only);
        return (await ConnectAsync(context.DnsEndPoint, protocols, cancellationToken)).Stream;
    }

    /// <summary>
    /// A TLS connection for opaque TCP (Envoy's tcp_proxy): no ALPN is offered, so the receiving sidecar serves the
    /// inner stream as its listener's protocol says (a server that knows ALPN selects none when the client offers none).
    /// The socket comes along, for a half-close.
    /// </summary>
    public ValueTask<(SslStream Stream, Socket Socket)> ConnectOpaqueAsync(DnsEndPoint endPoint, CancellationToken cancellationToken) =>
        ConnectAsync(endPoint, null, cancellationToken);

    private async ValueTask<(SslStream Stream, Socket Socket)> ConnectAsync(DnsEndPoint endPoint, List<SslApplicationProtocol>? protocols, CancellationToken cancellationToken)
    {
        var endpoint = $"{endPoint.Host}:{endPoint.Port}";
        var socket = await UpstreamSockets.ConnectAsync(endPoint, _keepalive, cancellationToken);
        var ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
        try
        {
            await ssl.AuthenticateAsClientAsync(ClientOptions(endPoint.Host, endpoint, protocols), cancellationToken);
            return (ssl, socket);
        }
        catch
        {
            await ssl.DisposeAsync();
            throw;
        }
    }

    private SslClientAuthenticationOptions ClientOptions(string host, string endpoint, List<SslApplicationProtocol>? protocols)
    {
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = _tls.Sni.Length > 0 ? _tls.Sni : host,
            ApplicationProtocols = protocols,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (_tls.Mode == UpstreamTlsMode.IstioMutual)
        {
            var current = _identity?.Current ?? throw new AuthenticationException($"cluster {_clusterName}: ISTIO_MUTUAL needs a workload certificate, and this proxy has none");
            options.ClientCertificateContext = current.Context;
            options.CertificateChainPolicy = current.Bundle.ChainPolicy();
            options.RemoteCertificateValidationCallback = (_, certificate, chain, _) => VerifyMeshPeer(certificate, chain, endpoint);
        }
        else
        {
            if (_clientCertificate is not null)
            {
                options.ClientCertificates = [_clientCertificate];
            }

            options.RemoteCertificateValidationCallback = (_, certificate, chain, errors) => VerifyExternal(certificate, chain, errors, options.TargetHost, endpoint);
        }

        return options;
    }

    private bool VerifyMeshPeer(X509Certificate? certificate, X509Chain? chain, string endpoint)
    {
        if (certificate is not X509Certificate2 leaf)
        {
            IdentityLog.ServerRefused(_logger, endpoint, _clusterName, "no server certificate");
            return false;
        }

        var result = PeerCertificateVerifier.Verify(leaf, chain?.ChainPolicy.ExtraStore ?? [], _identity!.Current!.Bundle, _time.GetUtcNow(), _expected);
        if (!result.IsVerified)
        {
            IdentityLog.ServerRefused(_logger, endpoint, _clusterName, result.Error!);
        }

        return result.IsVerified;
    }

    private bool VerifyExternal(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, string host, string endpoint)
    {
        if (_tls.InsecureSkipVerify)
        {
            // The DestinationRule's insecureSkipVerify: the user accepts this server unverified, as Envoy does with
            // no validation context.
            return true;
        }

        var result = ExternalServerVerifier.Verify(certificate as X509Certificate2, chain, errors, _externalRoots, _revocations, host, _expected, _time.GetUtcNow());
        if (result is not null)
        {
            IdentityLog.ServerRefused(_logger, endpoint, _clusterName, result);
        }

        return result is null;
    }
}
