// Holds the proxy's current workload certificate, swapped atomically on renewal and read by every TLS handshake.
namespace Mesh.Proxy.Identity;

/// <summary>
/// Readers take <see cref="Current"/> once per handshake. Connections already established keep the certificate they
/// negotiated with; new ones get the new certificate, so a swap never drops a connection.
/// </summary>
internal sealed class WorkloadIdentityStore
{
    private WorkloadCertificate? _current;
    private int _installed;

    /// <summary>False when the proxy runs without an identity (no CA token): mTLS is then unavailable.</summary>
    public bool IsEnabled { get; init; }

    public WorkloadCertificate? Current => Volatile.Read(ref _current);

    /// <summary>How many certificates this proxy has installed (1 after start, +1 per renewal).</summary>
    public int Installed => Volatile.Read(ref _installed);

    public void Install(WorkloadCertificate certificate)
    {
        Volatile.Write(ref _current, certificate);
        Interlocked.Increment(ref _installed);
    }
}
