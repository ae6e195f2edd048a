using System.Text;
using Mesh.Security;

namespace Mesh.EndToEnd.Tests;

/// <summary>Client certificates a test presents with openssl: minted with the mesh's own CA (as of any time), or another CA.</summary>
internal static class ClientCertificateFiles
{
    /// <summary>Writes name.crt and name.key into <paramref name="folder"/>; returns their paths.</summary>
    public static (string Certificate, string Key) Write(string folder, string name, CertificateAuthority ca, SpiffeId identity, TimeSpan lifetime)
    {
        using var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, identity)));
        var issued = ca.Issue(request, identity, lifetime);
        var certificate = Path.Combine(folder, name + ".crt");
        var keyPath = Path.Combine(folder, name + ".key");
        File.WriteAllText(certificate, issued.CertificatePem);
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certificate, keyPath);
    }

    /// <summary>The mesh's own CA, signing as if it were <paramref name="now"/> (in the past: certificates that have since expired).</summary>
    public static CertificateAuthority MeshCa(string caDir, DateTimeOffset now)
    {
        var loaded = CertificateAuthorityFolder.Load(caDir, SpiffeId.DefaultTrustDomain, TimeProvider.System);
        return new CertificateAuthority(loaded.Signing, loaded.Intermediates, loaded.Bundle, loaded.TrustDomain, new FixedTimeProvider(now));
    }

    private sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
