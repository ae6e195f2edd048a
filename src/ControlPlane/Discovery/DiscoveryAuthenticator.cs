using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Mesh.ControlPlane.Security;
using Mesh.Security;

namespace Mesh.ControlPlane.Discovery;

/// <summary>
/// Proves who opened a discovery stream, trying its credentials in istiod's order (the client certificate, then the
/// tokens the CA accepts: bootstrap, then Kubernetes): the first that proves an identity of this trust domain wins; when
/// none does, UNAUTHENTICATED (or UNAVAILABLE when a token could not be checked) says why each failed.
/// </summary>
/// <param name="allowAnonymous">Serve calls that offer no credential at all, unchecked (in-process tests only).</param>
internal sealed class DiscoveryAuthenticator(CertificateAuthority authority, TokenAuthenticatorChain tokens, TimeProvider time, bool allowAnonymous)
{
    public const string ClientCertificate = "client certificate";

    // The control plane issued every workload certificate itself: its own chain links them to the bundle, whatever the
    // client sent beside its leaf (which the TLS connection feature does not keep).
    private readonly X509Certificate2[] _chain = [authority.Signing, .. authority.Intermediates];

    /// <summary>The proven caller; null for a call without credentials when anonymous calls are allowed; else throws UNAUTHENTICATED.</summary>
    public async ValueTask<DiscoveryCaller?> AuthenticateAsync(ServerCallContext context)
    {
        var failures = new List<string>(2);
        // Set only over TLS, by the handshake, which proved the caller holds the certificate's key.
        if (context.GetHttpContext().Connection.ClientCertificate is { } certificate)
        {
            var verification = PeerCertificateVerifier.Verify(certificate, _chain, authority.Bundle, time.GetUtcNow(), []);
            if (verification.Identity is { } identity && InTrustDomain(identity, failures, "client certificate"))
            {
                return new DiscoveryCaller(identity, ClientCertificate);
            }

            if (verification.Error is { } error) failures.Add("client " + error);
        }

        var status = StatusCode.Unauthenticated;
        if (BearerToken.Read(context.RequestHeaders) is { } token)
        {
            var authentication = await tokens.AuthenticateAsync(token, context.CancellationToken);
            if (authentication.Identity is { } identity)
            {
                if (InTrustDomain(identity, failures, authentication.Credential)) return new DiscoveryCaller(identity, authentication.Credential);
            }
            else
            {
                failures.Add(authentication.Failure!);
                status = authentication.Status;
            }
        }

        if (failures.Count == 0)
        {
            if (allowAnonymous) return null;
            failures.Add("no credentials: present a workload certificate or send 'authorization: Bearer <token>'");
        }

        throw new RpcException(new Status(status, string.Join("; ", failures)));
    }

    private bool InTrustDomain(SpiffeId identity, List<string> failures, string credential)
    {
        if (identity.TrustDomain == authority.TrustDomain) return true;
        failures.Add($"the {credential} names {identity.Uri}, outside trust domain '{authority.TrustDomain}'");
        return false;
    }
}
