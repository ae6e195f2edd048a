// One gateway TLS credential: inline PEM pushed by the control plane (a Kubernetes Secret), or PEM files reloaded when they change.
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Discovery;
using Mesh.Security;

namespace Mesh.Proxy.Listeners;

/// <summary>
/// Holds the parsed certificate context and client CA roots of one <see cref="GatewayTlsServer"/>. Inline PEM
/// (<c>certificate_pem</c>) is parsed once: a new Secret version comes as a new push, which starts a new listener.
/// Files: handshakes call <see cref="Current"/>, which looks at the files' modification times at most once per second
/// and reloads them when they changed; a reload that fails keeps the previous credential and says why.
/// </summary>
internal sealed class GatewayCredential(GatewayTlsServer config, TimeProvider time)
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private readonly Lock _reload = new();
    private Loaded? _loaded;
    private DateTimeOffset _nextCheck;

    public GatewayTlsServer Config { get; } = config;

    /// <summary>MUTUAL: what the client certificate must be beyond its chain (names, pins); null for nothing more.</summary>
    public ClientCertificateConstraints? ClientConstraints { get; init; }

    /// <summary>The server's cipherSuites for TLS 1.2, with TLS 1.3's own suites; null: the platform's defaults.</summary>
    public CipherSuitesPolicy? CipherSuites { get; init; }

    /// <summary>
    /// The policy of <paramref name="config"/>'s cipher_suites (IANA names), or null when it names none. TLS 1.3's suites
    /// are always offered, as Envoy's cipher_suites leave TLS 1.3 alone. Throws (with the field) for an unknown name.
    /// </summary>
    public static CipherSuitesPolicy? CipherSuitesOf(GatewayTlsServer config, string path)
    {
        if (config.CipherSuites.Count == 0)
        {
            return null;
        }

        if (OperatingSystem.IsWindows())
        {
            // .NET sets cipher suites through OpenSSL (Linux) or Secure Transport (macOS) only; the image runs Linux.
            throw new Configuration.ConfigRejectedException($"{path}.cipher_suites: choosing cipher suites is not supported on Windows");
        }

        var suites = new List<TlsCipherSuite>(config.CipherSuites.Count + 3);
        foreach (var name in config.CipherSuites)
        {
            if (!Enum.TryParse<TlsCipherSuite>(name, ignoreCase: false, out var suite) || !name.StartsWith("TLS_", StringComparison.Ordinal))
            {
                throw new Configuration.ConfigRejectedException($"{path}.cipher_suites: '{name}' is not a cipher suite's IANA name");
            }

            suites.Add(suite);
        }

        suites.AddRange([TlsCipherSuite.TLS_AES_128_GCM_SHA256, TlsCipherSuite.TLS_AES_256_GCM_SHA384, TlsCipherSuite.TLS_CHACHA20_POLY1305_SHA256]);
        return new CipherSuitesPolicy(suites);
    }

    /// <summary>True when the control plane sent the PEM itself (a Kubernetes Secret) rather than file paths.</summary>
    public bool IsInline => Config.CertificatePem.Length > 0;

    /// <summary>The leaf certificate in use (for the log line saying what was loaded).</summary>
    public X509Certificate2 Leaf => _loaded!.Context.TargetCertificate;

    /// <summary>Loads the files now; throws with the file and the reason when they cannot be used.</summary>
    public void LoadNow()
    {
        var stamp = Stamp();
        _loaded = Load(stamp);
        _nextCheck = time.GetUtcNow() + CheckInterval;
    }

    public (SslStreamCertificateContext Context, X509Certificate2Collection? ClientRoots, RevocationLists? Revocations) Current(Action<string> onReloadFailed)
    {
        var now = time.GetUtcNow();
        if (!IsInline && now >= _nextCheck)
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
        return (loaded.Context, loaded.ClientRoots, loaded.Revocations);
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
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException
            or FormatException)
        {
            onReloadFailed($"{Config.Origin}: keeping the previous certificate: {ex.Message}");
        }
    }

    private string Stamp() => IsInline ? "inline" :
        $"{File.GetLastWriteTimeUtc(Config.CertificateFile).Ticks}/{File.GetLastWriteTimeUtc(Config.PrivateKeyFile).Ticks}/" +
        $"{(Config.CaCertificatesFile.Length > 0 ? File.GetLastWriteTimeUtc(Config.CaCertificatesFile).Ticks : 0)}/" +
        (Config.CaCrlFile.Length > 0 ? File.GetLastWriteTimeUtc(Config.CaCrlFile).Ticks : 0);

    private Loaded Load(string stamp)
    {
        if (IsInline)
        {
            return Build(stamp, Config.CertificatePem, Config.PrivateKeyPem, Config.CaCertificatesPem, "the inline CA certificates", Config.CaCrlPem);
        }

        foreach (var file in new[] { Config.CertificateFile, Config.PrivateKeyFile })
        {
            if (file.Length == 0 || !File.Exists(file))
            {
                throw new FileNotFoundException($"{Config.Origin}: certificate file '{file}' does not exist");
            }
        }

        var caPem = "";
        if (Config.RequireClientCertificate)
        {
            if (Config.CaCertificatesFile.Length == 0 || !File.Exists(Config.CaCertificatesFile))
            {
                throw new FileNotFoundException($"{Config.Origin}: MUTUAL needs the client CA file '{Config.CaCertificatesFile}', which does not exist");
            }

            caPem = File.ReadAllText(Config.CaCertificatesFile);
        }

        var crlPem = "";
        if (Config.RequireClientCertificate && Config.CaCrlFile.Length > 0)
        {
            if (!File.Exists(Config.CaCrlFile))
            {
                throw new FileNotFoundException($"{Config.Origin}: the caCrl file '{Config.CaCrlFile}' does not exist");
            }

            crlPem = File.ReadAllText(Config.CaCrlFile);
        }

        return Build(stamp, File.ReadAllText(Config.CertificateFile), File.ReadAllText(Config.PrivateKeyFile), caPem, $"the client CA file '{Config.CaCertificatesFile}'", crlPem);
    }

    private Loaded Build(string stamp, string certificatePem, string keyPem, string caPem, string caSource, string crlPem)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(certificatePem);
        if (chain.Count == 0)
        {
            throw new ArgumentException($"{Config.Origin}: the certificate holds no PEM CERTIFICATE block");
        }

        var leaf = X509Certificate2.CreateFromPem(certificatePem, keyPem);
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
            roots = new X509Certificate2Collection();
            roots.ImportFromPem(caPem);
            if (roots.Count == 0)
            {
                throw new ArgumentException($"{Config.Origin}: MUTUAL needs client CA certificates and {caSource} holds none");
            }
        }

        RevocationLists? revocations = null;
        if (roots is not null && crlPem.Length > 0)
        {
            try
            {
                revocations = RevocationLists.FromPem(crlPem);
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException)
            {
                throw new ArgumentException($"{Config.Origin}: the caCrl {ex.Message}", ex);
            }
        }

        return new Loaded(stamp, SslStreamCertificateContext.Create(leaf, intermediates, offline: true), roots, revocations);
    }

    private sealed record Loaded(string Stamp, SslStreamCertificateContext Context, X509Certificate2Collection? ClientRoots, RevocationLists? Revocations);
}
