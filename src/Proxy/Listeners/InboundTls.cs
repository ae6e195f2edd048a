// Sets up a sidecar inbound listener for PeerAuthentication's modes: plaintext, mTLS only (STRICT), or both on one port (PERMISSIVE).
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// The connection pipeline of an mTLS-capable listener:
/// sniff (0x16 → TLS branch; otherwise plaintext branch, or refused under STRICT) → TLS with a required client
/// certificate verified against the trust bundle → <see cref="PeerIdentityFeature"/> on the connection → HTTP.
/// The plaintext branch skips TLS and keeps h2c detection; the TLS branch never sees h2c's stand-in TLS feature.
/// </summary>
internal sealed class InboundTls(WorkloadIdentityStore identity, TimeProvider time, ILogger logger)
{
    private static readonly List<SslApplicationProtocol> Protocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    /// <summary>Whether the listener serves mTLS at all: a mode asks for it, and the proxy has an identity.</summary>
    public static bool UsesTls(InboundTlsMode mode, WorkloadIdentityStore identity) =>
        identity.IsEnabled && mode is InboundTlsMode.Strict or InboundTlsMode.Permissive;

    /// <param name="deadline">Bounds the look at the first bytes (TLS or not; then, in plaintext, h2c or not), both looks together.</param>
    /// <param name="handshakeTimeout">Bounds the TLS handshake that follows.</param>
    public void Configure(ListenOptions listen, ListenerModel listener, ListenerFilterDeadline deadline, TimeSpan handshakeTimeout)
    {
        var strict = listener.Config.TlsMode == InboundTlsMode.Strict;
        ConnectionDelegate? http = null;
        listen.Use(tls => async connection =>
        {
            var source = deadline.Start();
            bool? isTls;
            bool? isHttp2 = false;
            try
            {
                isTls = await TlsHandshakeSniffing.StartsWithTlsAsync(connection, source.Token);
                if (isTls == false && !strict)
                {
                    isHttp2 = await PriorKnowledgeHttp2Detection.StartsWithPrefaceAsync(connection, source.Token);
                }
            }
            finally
            {
                deadline.End(source);
            }

            if (isTls is null || isHttp2 is null)
            {
                deadline.Expired(connection);
            }
            else if (isTls.Value)
            {
                await tls(connection);
            }
            else if (strict)
            {
                RefusePlaintext(connection, listener.Name);
            }
            else
            {
                if (isHttp2.Value)
                {
                    PriorKnowledgeHttp2Detection.MarkHttp2(connection);
                }

                // Set by the last middleware below before any connection arrives (Kestrel composes them in reverse).
                await http!(connection);
            }
        });
        UseTls(listen, listener.Name, handshakeTimeout);
        listen.Use(next =>
        {
            http = next;
            return next;
        });
    }

    /// <summary>
    /// The TLS stage: the handshake with a required client certificate verified against the trust bundle, then the
    /// verified peer on the connection. A listener whose mode is chosen per connection (a captured port's target
    /// listener decides) adds it once and branches to it only for connections that start with a TLS record.
    /// </summary>
    public void UseTls(ListenOptions listen, string listenerName, TimeSpan handshakeTimeout)
    {
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = context => ValueTask.FromResult(ServerOptions(context.Connection.RemoteEndPoint?.ToString() ?? "unknown", listenerName)),
            HandshakeTimeout = handshakeTimeout,
        });
        listen.Use(next => connection =>
        {
            SetPeerIdentity(connection);
            return next(connection);
        });
    }

    /// <summary>Closes a plaintext connection to a STRICT port, with one log line.</summary>
    public void RefusePlaintext(ConnectionContext connection, string listenerName)
    {
        IdentityLog.PlaintextRefused(logger, connection.RemoteEndPoint?.ToString() ?? "unknown", listenerName);
        connection.Abort(new ConnectionAbortedException("plaintext refused: the port is STRICT"));
    }

    private SslServerAuthenticationOptions ServerOptions(string remote, string listenerName)
    {
        var current = identity.Current ?? throw new InvalidOperationException("no workload certificate installed");
        return new SslServerAuthenticationOptions
        {
            ServerCertificateContext = current.Context,
            ClientCertificateRequired = true,
            CertificateChainPolicy = current.Bundle.ChainPolicy(),
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = Protocols,
            RemoteCertificateValidationCallback = (_, certificate, chain, _) => Verify(certificate, chain, remote, listenerName),
        };
    }

    private bool Verify(X509Certificate? certificate, X509Chain? chain, string remote, string listenerName)
    {
        if (certificate is not X509Certificate2 leaf)
        {
            IdentityLog.ClientRefused(logger, remote, listenerName, "no client certificate");
            return false;
        }

        // The latest bundle, not the one of the certificate this handshake serves: a root rotation reaches clients at once.
        var current = identity.Current!;
        var extra = chain?.ChainPolicy.ExtraStore ?? [];
        var result = PeerCertificateVerifier.Verify(leaf, extra, current.Bundle, time.GetUtcNow(), []);
        if (!result.IsVerified)
        {
            IdentityLog.ClientRefused(logger, remote, listenerName, result.Error!);
            return false;
        }

        // Any workload of our trust domain may connect (authorization policy decides what it may do); no other domain.
        if (result.Identity!.TrustDomain != current.Identity.TrustDomain)
        {
            IdentityLog.ClientRefused(logger, remote, listenerName,
                $"peer identity {result.Identity.Uri} is outside this mesh's trust domain '{current.Identity.TrustDomain}'");
            return false;
        }

        return true;
    }

    private void SetPeerIdentity(ConnectionContext connection)
    {
        // Only on this branch, after our verification: h2c's stand-in TLS feature never reaches here.
        if (connection.Features.Get<ITlsConnectionFeature>()?.ClientCertificate is { } certificate)
        {
            var uris = UriSubjectAlternativeNames.Read(certificate);
            if (uris.Count == 1)
            {
                var own = identity.Current?.Identity.Uri ?? string.Empty;
                var hash = Convert.ToHexStringLower(certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256));
                connection.Features.Set(new PeerIdentityFeature
                {
                    SpiffeId = uris[0],
                    ForwardedClientCert = $"By={own};Hash={hash};Subject=\"\";URI={uris[0]}",
                });
            }
        }
    }
}
