// The control plane's CreateCertificate handler: authenticates the caller, checks its CSR, and signs it with the CA.
using Mesh.Contracts.Security;
using Mesh.ControlPlane.Monitoring;
using Mesh.Grpc;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Security;

/// <summary>
/// Signs only what the caller is entitled to: the token names an identity, the CSR must ask for exactly that identity
/// in this trust domain. Every refusal ends the call with a status and a log line.
/// </summary>
internal sealed class CertificateSigningHandler(
    CertificateAuthority authority,
    BootstrapToken tokens,
    IssuedCertificateRegistry issued,
    TimeSpan defaultLifetime,
    TimeSpan maxLifetime,
    TimeProvider time,
    CitadelMetrics metrics,
    ILogger<CertificateSigningHandler> logger)
{
    public static readonly GrpcMethod<CreateCertificateRequest, CreateCertificateResponse> Method = new(
        "/mesh.security.v1.CertificateService/CreateCertificate", CreateCertificateRequest.Parser, CreateCertificateResponse.Parser);

    private const string BearerPrefix = "Bearer ";

    public Task<CreateCertificateResponse> HandleAsync(CreateCertificateRequest request, GrpcServerCallContext context)
    {
        var peer = context.HttpContext.Connection.RemoteIpAddress is { } address
            ? $"{address}:{context.HttpContext.Connection.RemotePort}"
            : "unknown peer";
        metrics.CsrReceived();
        try
        {
            return Task.FromResult(Sign(request, context, peer));
        }
        catch (GrpcException refusal)
        {
            SecurityLog.Refused(logger, peer, refusal.Status.ToString(), refusal.Detail);
            throw;
        }
    }

    private CreateCertificateResponse Sign(CreateCertificateRequest request, GrpcServerCallContext context, string peer)
    {
        var header = context.HttpContext.Request.Headers.Authorization.ToString();
        if (!header.StartsWith(BearerPrefix, StringComparison.Ordinal))
        {
            metrics.AuthenticationFailed();
            throw new GrpcException(GrpcStatusCode.Unauthenticated, "no bootstrap token: send 'authorization: Bearer <token>'");
        }

        var caller = tokens.Authenticate(header[BearerPrefix.Length..].Trim());
        if (caller is null)
        {
            metrics.AuthenticationFailed();
            throw new GrpcException(GrpcStatusCode.Unauthenticated, "the bootstrap token is not one this control plane issued");
        }

        ValidatedSigningRequest csr;
        try
        {
            csr = SigningRequestValidator.Validate(System.Text.Encoding.ASCII.GetBytes(request.Csr));
        }
        catch (SigningRefusedException refusal)
        {
            metrics.CsrRejected();
            throw new GrpcException(GrpcStatusCode.InvalidArgument, refusal.Message);
        }

        if (csr.RequestedIdentity.TrustDomain != authority.TrustDomain)
        {
            metrics.CsrRejected();
            throw new GrpcException(GrpcStatusCode.InvalidArgument,
                $"the CSR asks for trust domain '{csr.RequestedIdentity.TrustDomain}'; this CA signs for '{authority.TrustDomain}'");
        }

        if (csr.RequestedIdentity != caller)
        {
            metrics.IdentityMismatch();
            throw new GrpcException(GrpcStatusCode.PermissionDenied,
                $"the token authenticates {caller.Uri}, but the CSR asks for {csr.RequestedIdentity.Uri}");
        }

        var lifetime = request.ValidityDurationSeconds > 0 ? TimeSpan.FromSeconds(request.ValidityDurationSeconds) : defaultLifetime;
        if (lifetime > maxLifetime)
        {
            lifetime = maxLifetime;
        }

        var certificate = authority.Issue(csr, caller, lifetime);
        issued.Add(new IssuedCertificateRecord(caller.Uri, certificate.SerialNumber, certificate.NotBefore, certificate.NotAfter, peer, time.GetUtcNow()));
        metrics.CertificateIssued();
        SecurityLog.Issued(logger, certificate.SerialNumber, caller.Uri, peer, certificate.NotAfter);

        var response = new CreateCertificateResponse { TrustBundle = certificate.TrustBundlePem };
        response.CertChain.Add(certificate.CertificatePem);
        response.CertChain.AddRange(certificate.ChainPem);
        return response;
    }
}
