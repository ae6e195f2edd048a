using Mesh.Security;
using Prometheus;

namespace Mesh.ControlPlane.Monitoring;

/// <summary>The CA's metrics with istiod's names (security/pkg/server/ca/monitoring.go): CSRs received, outcomes, and certificate expiry.</summary>
internal sealed class CitadelMetrics
{
    private readonly Counter _csrs;
    private readonly Counter _issued;
    private readonly Counter _authenticationFailures;
    private readonly Counter _csrParsingErrors;
    private readonly Counter _identityMismatches;
    private readonly Gauge _rootExpiry;
    private readonly Gauge _chainExpiry;

    public CitadelMetrics(IMetricFactory factory)
    {
        _csrs = factory.CreateCounter("citadel_server_csr_count", "The number of CSRs received by Citadel server.");
        _issued = factory.CreateCounter("citadel_server_success_cert_issuance_count", "The number of certificates issuances that have succeeded.");
        _authenticationFailures = factory.CreateCounter("citadel_server_authentication_failure_count", "The number of authentication failures.");
        _csrParsingErrors = factory.CreateCounter("citadel_server_csr_parsing_err_count", "The number of errors occurred when parsing the CSR.");
        _identityMismatches = factory.CreateCounter("citadel_server_id_extraction_err_count",
            "The number of errors occurred when extracting the ID from CSR.");
        _rootExpiry = factory.CreateGauge("citadel_server_root_cert_expiry_timestamp",
            "The unix timestamp, in seconds, when Citadel root cert will expire. A negative time indicates the cert is expired.");
        _chainExpiry = factory.CreateGauge("citadel_server_cert_chain_expiry_timestamp",
            "The unix timestamp, in seconds, when Citadel cert chain will expire. A negative time indicates the cert is expired.");
    }

    public void CsrReceived() => _csrs.Inc();

    public void CertificateIssued() => _issued.Inc();

    /// <summary>
    /// A refused CSR, counted by why: no or an unknown token (authentication), a malformed or weak CSR or another
    /// trust domain (parsing), a CSR for another identity than the token's (ID extraction).
    /// </summary>
    public void Refused(Grpc.Core.StatusCode status)
    {
        switch (status)
        {
            case Grpc.Core.StatusCode.Unauthenticated:
                _authenticationFailures.Inc();
                break;
            case Grpc.Core.StatusCode.InvalidArgument:
                _csrParsingErrors.Inc();
                break;
            case Grpc.Core.StatusCode.PermissionDenied:
                _identityMismatches.Inc();
                break;
        }
    }

    /// <summary>
    /// When the CA's root (the first of the bundle to expire, mid-rotation) and its signing certificate expire. The CA
    /// folder is read at start only, so this is set once.
    /// </summary>
    public void SetExpiry(CertificateAuthority authority)
    {
        var rootExpiry = DateTime.MaxValue;
        foreach (var root in authority.Bundle.Roots) rootExpiry = root.NotAfter < rootExpiry ? root.NotAfter : rootExpiry;
        _rootExpiry.Set(new DateTimeOffset(rootExpiry.ToUniversalTime()).ToUnixTimeSeconds());
        _chainExpiry.Set(new DateTimeOffset(authority.Signing.NotAfter.ToUniversalTime()).ToUnixTimeSeconds());
    }
}
