// One gateway TLS credential loaded from its PEM files, reloaded when the files change (certificate changes need no restart).
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Holds the parsed certificate context and client CA roots of one <see cref="GatewayTlsServer"/>. Handshakes call
/// <see cref="Current"/>, which looks at the files' modification times at most once per second and reloads them
/// when they changed; a reload that fails keeps the previous credential and says why.
/// </summary>
internal sealed class GatewayCredential(GatewayTlsServer config, TimeProvider time)
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _reload = new();
    private Loaded? _loaded;
    private DateTimeOffset _nextCheck;

    public GatewayTlsServer Config { get; } = config;

    /// <summary>Loads the files now; throws with the file and the reason when they cannot be used.</summary>
    public void LoadNow()
    {
        var stamp = Stamp();
        _loaded = Load(stamp);
        _nextCheck = time.GetUtcNow() + CheckInterval;
    }

    public (SslStreamCertificateContext Context, X509Certificate2Collection? ClientRoots) Current(Action<string> onReloadFailed)
    {
        var now = time.GetUtcNow();
        if (now >= _nextCheck)
        {
            lock (_reload)
            {
                if (now >= _nextCheck)
                {
                    _nextCheck = now + CheckInterval;
                    TryReload(onReloadFailed);
                }
            }
        }

        var loaded = _loaded!;
        return (loaded.Context, loaded.ClientRoots);
    }

    private void TryReload(Action<string> onReloadFailed)
    {
        try
        {
            var stamp = Stamp();
            if (_loaded is null || stamp != _loaded.Stamp)
            {
                _loaded = Load(stamp);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            onReloadFailed($"{Config.Origin}: keeping the previous certificate: {ex.Message}");
        }
    }

    private string Stamp() =>
        $"{File.GetLastWriteTimeUtc(Config.CertificateFile).Ticks}/{File.GetLastWriteTimeUtc(Config.PrivateKeyFile).Ticks}/" +
        (Config.CaCertificatesFile.Length > 0 ? File.GetLastWriteTimeUtc(Config.CaCertificatesFile).Ticks : 0);

    private Loaded Load(string stamp)
    {
        foreach (var file in new[] { Config.CertificateFile, Config.PrivateKeyFile })
        {
            if (file.Length == 0 || !File.Exists(file))
            {
                throw new FileNotFoundException($"{Config.Origin}: certificate file '{file}' does not exist");
            }
        }

        var chain = new X509Certificate2Collection();
        chain.ImportFromPemFile(Config.CertificateFile);
        var leaf = X509Certificate2.CreateFromPemFile(Config.CertificateFile, Config.PrivateKeyFile);
        // Re-imported so the key is usable by SslStream on every platform.
        leaf = X509CertificateLoader.LoadPkcs12(leaf.Export(X509ContentType.Pkcs12), null);
        var intermediates = new X509Certificate2Collection();
        for (var i = 1; i < chain.Count; i++)
        {
            intermediates.Add(chain[i]);
        }

        X509Certificate2Collection? roots = null;
        if (Config.RequireClientCertificate)
        {
            if (Config.CaCertificatesFile.Length == 0 || !File.Exists(Config.CaCertificatesFile))
            {
                throw new FileNotFoundException($"{Config.Origin}: MUTUAL needs the client CA file '{Config.CaCertificatesFile}', which does not exist");
            }

            roots = new X509Certificate2Collection();
            roots.ImportFromPemFile(Config.CaCertificatesFile);
        }

        return new Loaded(stamp, SslStreamCertificateContext.Create(leaf, intermediates, offline: true), roots);
    }

    private sealed record Loaded(string Stamp, SslStreamCertificateContext Context, X509Certificate2Collection? ClientRoots);
}
