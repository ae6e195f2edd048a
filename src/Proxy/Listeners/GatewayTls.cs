// TLS termination on a gateway listener: the credential chosen by SNI among the servers sharing the port, MUTUAL client checks, protocol versions.
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.Security;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Identity;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Logging;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Listeners;

internal sealed class GatewayTls(TimeProvider time, ILogger logger)
{
    private static readonly List<SslApplicationProtocol> Protocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11];

    /// <summary>Loads every credential of <paramref name="listener"/>; throws <see cref="ConfigRejectedException"/> naming the file when one cannot be used.</summary>
    public List<GatewayCredential> LoadCredentials(ListenerModel listener, string context)
    {
        var credentials = new List<GatewayCredential>();
        for (var i = 0; i < listener.Config.TlsServers.Count; i++)
        {
            var path = $"{context}: listener '{listener.Name}'.tls_servers[{i}]";
            var credential = new GatewayCredential(listener.Config.TlsServers[i], time)
            {
                ClientConstraints = ClientCertificateConstraints.From(listener.Config.TlsServers[i], path),
                CipherSuites = GatewayCredential.CipherSuitesOf(listener.Config.TlsServers[i], path),
            };
            try
            {
                credential.LoadNow();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                throw new ConfigRejectedException($"{path}: {ex.Message}");
            }

            if (credential.IsInline)
            {
                GatewayCredentialLog.InlineCredentialLoaded(logger, listener.Name, credential.Config.Origin, credential.Leaf.Subject, credential.Leaf.NotAfter.ToUniversalTime());
            }

            credentials.Add(credential);
        }

        return credentials;
    }

    /// <param name="handshakeTimeout">Bounds the whole handshake, from the connection's first byte (there is no sniffing before it).</param>
    public void Configure(ListenOptions listen, ListenerModel listener, List<GatewayCredential> credentials, TimeSpan handshakeTimeout)
    {
        listen.UseHttps(new TlsHandshakeCallbackOptions
        {
            OnConnection = context => ValueTask.FromResult(ServerOptions(credentials, context.ClientHelloInfo.ServerName, context.Connection.RemoteEndPoint?.ToString() ?? "unknown", listener.Name)),
            HandshakeTimeout = handshakeTimeout,
        });
    }

    private SslServerAuthenticationOptions ServerOptions(List<GatewayCredential> credentials, string? serverName, string remote, string listenerName)
    {
        var credential = Select(credentials, serverName);
        var (context, clientRoots, revocations) = credential.Current(reason => IdentityLog.GatewayCredentialReloadFailed(logger, listenerName, reason));
        var config = credential.Config;
        var options = new SslServerAuthenticationOptions
        {
            ServerCertificateContext = context,
            EnabledSslProtocols = VersionRange(config.MinProtocolVersion, config.MaxProtocolVersion),
            ApplicationProtocols = Protocols,
            CipherSuitesPolicy = credential.CipherSuites,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        if (clientRoots is not null)
        {
            options.ClientCertificateRequired = true;
            var constraints = credential.ClientConstraints;
            options.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                VerifyClient(certificate, chain, clientRoots, revocations, constraints, remote, listenerName);
        }

        return options;
    }

    /// <summary>The first server whose hosts match the SNI (exact, then "*.suffix", then "*"), else the first server.</summary>
    private static GatewayCredential Select(List<GatewayCredential> credentials, string? serverName)
    {
        if (!string.IsNullOrEmpty(serverName))
        {
            var name = serverName.ToLowerInvariant();
            foreach (var pass in new[] { 0, 1, 2 })
            {
                foreach (var credential in credentials)
                {
                    foreach (var host in credential.Config.Hosts)
                    {
                        var matches = pass switch
                        {
                            0 => host == name,
                            1 => host.StartsWith("*.", StringComparison.Ordinal) && name.EndsWith(host[1..], StringComparison.Ordinal),
                            _ => host == "*",
                        };
                        if (matches) return credential;
                    }
                }
            }
        }

        return credentials[0];
    }

    private bool VerifyClient(X509Certificate? certificate, X509Chain? chain, X509Certificate2Collection roots, RevocationLists? revocations,
        ClientCertificateConstraints? constraints, string remote, string listenerName)
    {
        if (certificate is not X509Certificate2 leaf)
        {
            IdentityLog.ClientRefused(logger, remote, listenerName, "no client certificate (the server is MUTUAL)");
            return false;
        }

        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        custom.ChainPolicy.VerificationTime = time.GetUtcNow().UtcDateTime;
        if (chain is not null)
        {
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
        }

        if (!custom.Build(leaf))
        {
            IdentityLog.ClientRefused(logger, remote, listenerName, $"client certificate '{leaf.Subject}' does not chain to the server's caCertificates");
            return false;
        }

        if (revocations?.Check(custom.ChainElements, time.GetUtcNow()) is { } revoked)
        {
            IdentityLog.ClientRefused(logger, remote, listenerName, revoked);
            return false;
        }

        if (constraints?.Check(leaf) is { } refused)
        {
            IdentityLog.ClientRefused(logger, remote, listenerName, refused);
            return false;
        }

        return true;
    }

    private static SslProtocols VersionRange(uint min, uint max)
    {
        var protocols = SslProtocols.None;
        if (min <= 12 && max is 0 or >= 12) protocols |= SslProtocols.Tls12;
        if (max is 0 or >= 13) protocols |= SslProtocols.Tls13;
        return protocols == SslProtocols.None ? SslProtocols.Tls13 : protocols;
    }
}
