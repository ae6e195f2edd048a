// The control plane's CreateCertificate service: authenticates the caller, checks its CSR, and signs it with the CA.
using Grpc.Core;
using Mesh.Contracts.Security;
using Mesh.ControlPlane.Monitoring;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Security;

/// <summary>
/// Signs only what the caller is entitled to: the token proves an identity (a bootstrap token names it; a Kubernetes
/// token's service account is it), the CSR must ask for exactly that identity in this trust domain. Every refusal ends
/// the call with a status and one log line saying who and why.
/// </summary>
/// <param name="onKubernetes">Refusals are logged as the Kubernetes CA's (with who presented the token), else as local mode's.</param>
internal sealed class CertificateSigningService(
    CertificateAuthority authority,
    TokenAuthenticatorChain tokens,
    bool onKubernetes,
    IssuedCertificateRegistry issued,
    TimeSpan defaultLifetime,
    TimeSpan maxLifetime,
    TimeProvider time,
    CitadelMetrics metrics,
    ILogger<CertificateSigningService> logger) : CertificateService.CertificateServiceBase
{
    public override async Task<CreateCertificateResponse> CreateCertificate(CreateCertificateRequest request, ServerCallContext context)
    {
        var connection = context.GetHttpContext().Connection;
        var peer = connection.RemoteIpAddress is { } address ? $"{address}:{connection.RemotePort}" : "unknown peer";
        metrics.CsrReceived();
        var subject = "no token";
        try
        {
            var token = BearerToken.Read(context.RequestHeaders)
                ?? throw Refusal(StatusCode.Unauthenticated, "no token: send 'authorization: Bearer <token>'");
            var authentication = await tokens.AuthenticateAsync(token, context.CancellationToken);
            subject = authentication.Subject;
            var caller = authentication.Identity
                ?? throw Refusal(authentication.Status, authentication.Failure!);
            var signed = Sign(request, caller, authentication.Credential, peer);
            metrics.CertificateIssued();
            return signed;
        }
        catch (RpcException refusal)
        {
            metrics.Refused(refusal.StatusCode);
            if (onKubernetes)
            {
                Kubernetes.KubernetesCaLog.CsrRefused(logger, peer, subject, refusal.StatusCode.ToString(), refusal.Status.Detail);
            }
            else
            {
                SecurityLog.Refused(logger, peer, refusal.StatusCode.ToString(), refusal.Status.Detail);
            }

            throw;
        }
    }

    private CreateCertificateResponse Sign(CreateCertificateRequest request, SpiffeId caller, string credential, string peer)
    {

        ValidatedSigningRequest csr;
        try
        {
            csr = SigningRequestValidator.Validate(System.Text.Encoding.ASCII.GetBytes(request.Csr));
        }
        catch (SigningRefusedException refusal)
        {
            throw Refusal(StatusCode.InvalidArgument, refusal.Message);
        }

        if (csr.RequestedIdentity.TrustDomain != authority.TrustDomain)
        {
            throw Refusal(StatusCode.InvalidArgument,
                $"the CSR asks for trust domain '{csr.RequestedIdentity.TrustDomain}'; this CA signs for '{authority.TrustDomain}'");
        }

        if (csr.RequestedIdentity != caller)
        {
            throw Refusal(StatusCode.PermissionDenied,
                $"the {credential} authenticates {caller.Uri}, but the CSR asks for {csr.RequestedIdentity.Uri}");
        }

        var lifetime = request.ValidityDurationSeconds > 0 ? TimeSpan.FromSeconds(request.ValidityDurationSeconds) : defaultLifetime;
        if (lifetime > maxLifetime)
        {
            lifetime = maxLifetime;
        }

        var certificate = authority.Issue(csr, caller, lifetime);
        issued.Add(new IssuedCertificateRecord(caller.Uri, certificate.SerialNumber, certificate.NotBefore, certificate.NotAfter, peer, time.GetUtcNow()));
        SecurityLog.Issued(logger, certificate.SerialNumber, caller.Uri, peer, certificate.NotAfter);

        var response = new CreateCertificateResponse { TrustBundle = certificate.TrustBundlePem };
        response.CertChain.Add(certificate.CertificatePem);
        response.CertChain.AddRange(certificate.ChainPem);
        return response;
    }

    private static RpcException Refusal(StatusCode status, string detail) => new(new Status(status, detail));
}
