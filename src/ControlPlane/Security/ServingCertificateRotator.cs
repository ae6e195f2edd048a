// Keeps the control plane's serving certificate fresh: issues one at start, and a new one before the current expires.
using System.Net;
using System.Net.Security;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Security;

/// <summary>
/// Every TLS handshake on the gRPC port reads <see cref="Current"/> once; a rotation swaps it atomically, so new
/// connections get the new certificate and established ones (open discovery streams) are untouched.
/// </summary>
internal sealed class ServingCertificateRotator : IDisposable
{
    /// <summary>Renew once this share of the lifetime has passed, as proxies do with theirs.</summary>
    public const double RenewFraction = 0.8;

    private readonly CertificateAuthority _authority;
    private readonly IPAddress _listenAddress;
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<string>? _extraNames;
    private readonly string _listener;
    private readonly ITimer _timer;
    private SslStreamCertificateContext _current;
    private int _issued;

    /// <param name="extraNames">DNS names or IP addresses the certificate carries besides the defaults (see <see cref="ServingCertificateIssuer.Issue"/>).</param>
    /// <param name="listener">Which listener serves it, for the log line.</param>
    public ServingCertificateRotator(CertificateAuthority authority, IPAddress listenAddress, TimeSpan lifetime, TimeProvider time, ILogger logger,
        IReadOnlyList<string>? extraNames = null, string listener = "gRPC port")
    {
        _extraNames = extraNames;
        _listener = listener;
        _authority = authority;
        _listenAddress = listenAddress;
        _lifetime = lifetime;
        _time = time;
        _logger = logger;
        _current = IssueAndLog();
        _timer = time.CreateTimer(_ => Rotate(), null, RenewalDelay(_current), Timeout.InfiniteTimeSpan);
    }

    public SslStreamCertificateContext Current => Volatile.Read(ref _current);

    /// <summary>How many serving certificates this control plane has issued (1 after start, +1 per rotation).</summary>
    public int Issued => Volatile.Read(ref _issued);

    public void Dispose() => _timer.Dispose();

    private void Rotate()
    {
        try
        {
            var next = IssueAndLog();
            Volatile.Write(ref _current, next);
            _timer.Change(RenewalDelay(next), Timeout.InfiniteTimeSpan);
        }
        catch (System.Security.Cryptography.CryptographicException ex)
        {
            // The current certificate keeps serving; try again soon.
            SecurityLog.ServingCertificateFailed(_logger, ex.Message);
            _timer.Change(TimeSpan.FromSeconds(1), Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>
    /// From the certificate's own expiry, not the lifetime asked for: X.509 times are whole seconds, so a short
    /// lifetime can end up to a second early.
    /// </summary>
    private TimeSpan RenewalDelay(SslStreamCertificateContext context)
    {
        var remaining = context.TargetCertificate.NotAfter.ToUniversalTime() - _time.GetUtcNow().UtcDateTime;
        return remaining > TimeSpan.Zero ? remaining * RenewFraction : TimeSpan.FromSeconds(1);
    }

    private SslStreamCertificateContext IssueAndLog()
    {
        var context = ServingCertificateIssuer.Issue(_authority, _listenAddress, _lifetime, _time.GetUtcNow(), _extraNames);
        Interlocked.Increment(ref _issued);
        var leaf = context.TargetCertificate;
        SecurityLog.ServingCertificateIssued(_logger, _listener, ServingCertificateIssuer.Identity(_authority.TrustDomain).Uri, leaf.SerialNumber, leaf.NotAfter.ToUniversalTime());
        return context;
    }
}
