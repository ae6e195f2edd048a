// Gets the proxy's first certificate before anything else starts, then renews it at a share of its lifetime, forever.
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Identity;

/// <summary>
/// Registered before the discovery client, so no listener binds before the proxy has an identity (as Istio's agent
/// waits for its first SVID). A failed renewal is retried with back-off while the current certificate keeps serving.
/// </summary>
internal sealed class CertificateRotator(
    IWorkloadCertificateSource source,
    WorkloadIdentityStore store,
    IdentityOptions options,
    TimeProvider time,
    Random random,
    ILogger<CertificateRotator> logger) : IHostedService, IDisposable
{
    private static readonly TimeSpan RetryBase = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan RetryCap = TimeSpan.FromSeconds(5);

    private readonly CancellationTokenSource _stopping = new();
    private Task _renewals = Task.CompletedTask;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        var renewAt = await InstallNextAsync(linked.Token);
        _renewals = RenewForeverAsync(renewAt, _stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        try
        {
            await _renewals.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Stopping: a renewal in progress is abandoned.
        }
    }

    public void Dispose() => _stopping.Dispose();

    private async Task RenewForeverAsync(DateTimeOffset renewAt, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var wait = renewAt - time.GetUtcNow();
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            renewAt = await InstallNextAsync(cancellationToken);
        }
    }

    /// <summary>Fetches until it succeeds, installs the certificate, and returns when to renew it.</summary>
    private async Task<DateTimeOffset> InstallNextAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var receivedAt = time.GetUtcNow();
                var certificate = await source.FetchAsync(cancellationToken);
                store.Install(certificate);
                // From when we received it, not NotBefore: the CA backdates certificates for clock skew.
                var renewAt = receivedAt + (certificate.NotAfter - receivedAt) * options.RenewFraction;
                IdentityLog.Installed(logger, certificate.Identity.Uri, certificate.Leaf.SerialNumber, certificate.NotAfter, renewAt);
                return renewAt;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                var ceiling = RetryBase * Math.Pow(2, Math.Min(attempt - 1, 10));
                var delay = (ceiling > RetryCap ? RetryCap : ceiling) * (0.5 + random.NextDouble() / 2);
                IdentityLog.FetchFailed(logger, attempt, (long)delay.TotalMilliseconds, ControlPlaneChannel.DescribeFailure(ex));
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }
}
