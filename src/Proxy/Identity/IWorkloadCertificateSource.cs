// Where a proxy gets a fresh workload certificate from (the control plane's CA; tests substitute their own).
namespace Mesh.Proxy.Identity;

internal interface IWorkloadCertificateSource
{
    /// <summary>A new key and a certificate for it; throws when the CA refuses or cannot be reached.</summary>
    Task<WorkloadCertificate> FetchAsync(CancellationToken cancellationToken);
}
