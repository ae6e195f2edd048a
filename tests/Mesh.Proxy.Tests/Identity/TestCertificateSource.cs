using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mesh.Proxy.Identity;
using Mesh.Security;

namespace Mesh.Proxy.Tests.Identity;

/// <summary>Stands in for the control plane's CA: signs a fresh key per fetch, with the lifetime and CA the test chooses.</summary>
internal sealed class TestCertificateSource(Func<CertificateAuthority> authority, SpiffeId identity, TimeSpan lifetime) : IWorkloadCertificateSource
{
    private int _fetches;

    public int Fetches => Volatile.Read(ref _fetches);

    /// <summary>Roots to send beside the CA's own (a root rotation's second root).</summary>
    public TrustBundle? ExtraRoots { get; set; }

    public Task<WorkloadCertificate> FetchAsync(CancellationToken cancellationToken)
    {
        var ca = authority();
        using var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, identity)));
        var issued = ca.Issue(request, identity, lifetime);
        var bundle = ExtraRoots is null ? ca.Bundle : ca.Bundle.Merge(ExtraRoots);
        Interlocked.Increment(ref _fetches);
        // What a workload sends beside its leaf, as the CA's answer carries it: nothing when the root signs.
        var intermediates = new X509Certificate2Collection();
        foreach (var pem in ca.ChainPem)
        {
            intermediates.ImportFromPem(pem);
        }

        return Task.FromResult(new WorkloadCertificate(identity, WorkloadKey.Combine(issued.CertificatePem, key), intermediates, bundle));
    }
}
