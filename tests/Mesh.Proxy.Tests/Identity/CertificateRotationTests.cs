using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.Security;

namespace Mesh.Proxy.Tests.Identity;

/// <summary>Short-lived certificates renewed under steady traffic: every request succeeds across several rotations, and across a root rotation.</summary>
public sealed class CertificateRotationTests : IDisposable
{
    // Renewed at half-life: a renewal every 2 s, and 2 s of validity left for handshakes that started just before it.
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(4);
    private const double RenewFraction = 0.5;

    private readonly CertificateAuthority _oldRoot = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));
    private readonly CertificateAuthority _newRoot = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(1));
    private volatile CertificateAuthority _signing;

    public CertificateRotationTests() => _signing = _oldRoot;

    [Fact]
    public async Task Renewal_SeveralRotationsUnderLoad_NoRequestFails()
    {
        await using var pair = await StartAsync();
        await using var load = Load.Start(pair);

        await WaitUntilAsync(() => Installed(pair) >= 4, "four certificates on each sidecar");

        var (sent, failures) = await load.StopAsync();
        Assert.True(sent > 0);
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests failed:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public async Task RootRotation_TwoRootsInTheBundle_NoRequestFails()
    {
        await using var pair = await StartAsync();
        await using var load = Load.Start(pair);
        await WaitUntilAsync(() => Installed(pair) >= 2, "a first renewal under the old root");

        _signing = _newRoot;
        await WaitUntilAsync(() => IssuedBy(pair.Backend, _newRoot) && IssuedBy(pair.Frontend, _newRoot), "certificates from the new root on both sidecars");
        var installed = Installed(pair);
        await WaitUntilAsync(() => Installed(pair) >= installed + 1, "one more renewal under the new root");

        var (sent, failures) = await load.StopAsync();
        Assert.True(sent > 0);
        Assert.True(failures.Count == 0, $"{failures.Count} of {sent} requests failed:\n{string.Join("\n", failures)}");
    }

    public void Dispose()
    {
        _oldRoot.Dispose();
        _newRoot.Dispose();
    }

    private async Task<SidecarPair> StartAsync()
    {
        // Both roots in every bundle from the start: the precondition of a root rotation without an outage.
        var bothRoots = _oldRoot.Bundle.Merge(_newRoot.Bundle);
        var backend = new TestCertificateSource(() => _signing, SidecarPair.BackendId, Lifetime) { ExtraRoots = bothRoots };
        var frontend = new TestCertificateSource(() => _signing, SidecarPair.FrontendId, Lifetime) { ExtraRoots = bothRoots };
        var pair = await SidecarPair.StartAsync(backend, frontend, RenewFraction);
        await pair.ConfigureBackendAsync(InboundTlsMode.Strict);
        await pair.ConfigureFrontendAsync(SidecarPair.IstioMutual(SidecarPair.BackendId));
        return pair;
    }

    private static int Installed(SidecarPair pair) => Math.Min(SidecarPair.Store(pair.Backend).Installed, SidecarPair.Store(pair.Frontend).Installed);

    private static bool IssuedBy(Microsoft.AspNetCore.Builder.WebApplication proxy, CertificateAuthority ca) =>
        SidecarPair.Store(proxy).Current is { } current && Chains(current.Leaf, ca);

    private static bool Chains(X509Certificate2 leaf, CertificateAuthority ca) =>
        PeerCertificateVerifier.Verify(leaf, [], ca.Bundle, DateTimeOffset.UtcNow, []).IsVerified;

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            Assert.False(deadline.IsCancellationRequested, $"timed out waiting for {what}");
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Steady traffic of two kinds: through frontend's sidecar (its pooled h2 connection to backend), and straight to
    /// backend's inbound port with a new handshake per request using frontend's current certificate, so that rotated
    /// certificates on both ends are exercised by fresh handshakes.
    /// </summary>
    private sealed class Load : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly List<string> _failures = [];
        private Task _running = Task.CompletedTask;
        private int _sent;

        public static Load Start(SidecarPair pair)
        {
            var load = new Load();
            load._running = Task.WhenAll(load.ThroughSidecarAsync(pair), load.FreshHandshakesAsync(pair));
            return load;
        }

        public async Task<(int Sent, List<string> Failures)> StopAsync()
        {
            await _stop.CancelAsync();
            await _running;
            return (_sent, _failures);
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _running;
            _stop.Dispose();
        }

        private async Task ThroughSidecarAsync(SidecarPair pair)
        {
            using var app = new HttpClient(new SocketsHttpHandler { UseProxy = false });
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await app.GetAsync($"http://127.0.0.1:{pair.OutboundPort}/");
                    Record(response.IsSuccessStatusCode ? null : $"via sidecar: {(int)response.StatusCode}");
                }
                catch (HttpRequestException ex)
                {
                    Record($"via sidecar: {ex.GetBaseException().Message}");
                }
            }
        }

        private async Task FreshHandshakesAsync(SidecarPair pair)
        {
            while (!_stop.IsCancellationRequested)
            {
                var current = SidecarPair.Store(pair.Frontend).Current!;
                try
                {
                    var (status, _, _) = await MutualTlsClient.GetAsync(pair.InboundPort, current.Leaf);
                    Record(status == 200 ? null : $"direct: {status}");
                }
                catch (HttpRequestException ex)
                {
                    Record($"direct with {current.Leaf.SerialNumber} (valid until {current.NotAfter:HH:mm:ss.fff}, now {DateTimeOffset.UtcNow:HH:mm:ss.fff}): {ex.GetBaseException().Message}");
                }
            }
        }

        private void Record(string? failure)
        {
            Interlocked.Increment(ref _sent);
            if (failure is not null)
            {
                lock (_failures)
                {
                    _failures.Add(failure);
                }
            }
        }
    }
}
