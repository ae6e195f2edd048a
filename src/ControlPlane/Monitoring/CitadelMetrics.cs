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

    public void AuthenticationFailed() => _authenticationFailures.Inc();

    public void CsrRejected() => _csrParsingErrors.Inc();

    public void IdentityMismatch() => _identityMismatches.Inc();

    /// <summary>When the CA's root (the earliest-expiring root of the bundle) and its signing chain expire.</summary>
    public void SetExpiry(DateTimeOffset rootNotAfter, DateTimeOffset chainNotAfter)
    {
        _rootExpiry.Set(rootNotAfter.ToUnixTimeSeconds());
        _chainExpiry.Set(chainNotAfter.ToUnixTimeSeconds());
    }
}
