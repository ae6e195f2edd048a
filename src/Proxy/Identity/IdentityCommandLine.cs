// The proxy's identity options on its command line: the CA token (flag or MESH_CA_TOKEN) or a projected service-account
// token file with the service account, the CA root bundle, the lifetime to ask for, when to renew.
using System.Globalization;
using Mesh.Security;

namespace Mesh.Proxy.Identity;

internal static class IdentityCommandLine
{
    public const string Usage = """
        identity options (both modes):
          [--ca-token TOKEN (default $MESH_CA_TOKEN; none: no workload certificate, plaintext only)]
          [--ca-token-file PATH --service-account SA [--trust-domain TD (default $TRUST_DOMAIN, else cluster.local)]]
            (in a pod, instead of --ca-token: the projected service-account token, read again before every use;
             the identity is spiffe://TD/ns/<--namespace>/sa/SA)
          [--ca-root-file PATH (the CA's root-cert.pem; required with --discovery https://)]
          [--cert-ttl-seconds N (default: the CA's, 24 h)] [--cert-renew-fraction F (default 0.8)]
        """;

    public static readonly string[] Flags =
        ["--ca-token", "--ca-token-file", "--service-account", "--trust-domain", "--ca-root-file", "--cert-ttl-seconds", "--cert-renew-fraction"];

    /// <summary>Where the pod's environment names the mesh's trust domain (Istio's injection sets it).</summary>
    public const string TrustDomainVariable = "TRUST_DOMAIN";

    /// <summary>Adds the identity options to <paramref name="options"/>, or returns null with <paramref name="error"/>.</summary>
    /// <param name="environment">Reads an environment variable ($MESH_CA_TOKEN, $TRUST_DOMAIN).</param>
    public static ProxyOptions? TryApply(ProxyOptions? options, IReadOnlyDictionary<string, string> values, Func<string, string?> environment, out string error)
    {
        error = string.Empty;
        if (options is null)
        {
            return null;
        }

        if (values.TryGetValue("--ca-token-file", out var tokenFile))
        {
            return TryApplyServiceAccount(options, values, tokenFile, environment, out error);
        }

        foreach (var flag in (string[])["--service-account", "--trust-domain"])
        {
            if (values.ContainsKey(flag))
            {
                error = $"{flag}: only with --ca-token-file (a bootstrap token names its own identity)";
                return null;
            }
        }

        var token = values.TryGetValue("--ca-token", out var tokenFlag) ? tokenFlag : environment(IdentityOptions.TokenVariable);
        if (string.IsNullOrWhiteSpace(token))
        {
            token = null;
        }
        else if (!Mesh.Security.BootstrapToken.TryReadIdentity(token, out _, out _))
        {
            error = "--ca-token: not a bootstrap token (expected <identity>.<mac>, as the control plane mints them)";
            return null;
        }

        return TryApplyCommon(options, values, new IdentityOptions { Token = token }, out error);
    }

    /// <summary>--ca-token-file with --service-account: the identity is the pod's service account in this trust domain.</summary>
    private static ProxyOptions? TryApplyServiceAccount(
        ProxyOptions options, IReadOnlyDictionary<string, string> values, string tokenFile, Func<string, string?> environment, out string error)
    {
        if (values.ContainsKey("--ca-token"))
        {
            error = "--ca-token and --ca-token-file: give one (a bootstrap token, or the file of a projected service-account token)";
            return null;
        }

        if (!values.TryGetValue("--service-account", out var serviceAccount))
        {
            error = "--ca-token-file needs --service-account SA (the pod's service account: the identity is spiffe://<trust domain>/ns/<namespace>/sa/<SA>)";
            return null;
        }

        var trustDomain = values.GetValueOrDefault("--trust-domain") ?? NonEmpty(environment(TrustDomainVariable)) ?? SpiffeId.DefaultTrustDomain;
        if (!SpiffeId.TryParse($"spiffe://{trustDomain}/ns/{options.Namespace}/sa/{serviceAccount}", out var identity, out var reason))
        {
            error = $"--service-account '{serviceAccount}' (trust domain '{trustDomain}', namespace '{options.Namespace}'): {reason}";
            return null;
        }

        try
        {
            CaToken.ReadFile(tokenFile);
        }
        catch (Exception ex) when (ex is IOException or InvalidDataException or UnauthorizedAccessException)
        {
            error = ex is FileNotFoundException or DirectoryNotFoundException ? $"--ca-token-file '{tokenFile}': no such file" : $"--ca-token-file '{tokenFile}': {ex.Message}";
            return null;
        }

        return TryApplyCommon(options, values, new IdentityOptions { TokenFile = Path.GetFullPath(tokenFile), ServiceAccountIdentity = identity }, out error);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    /// <summary>The options every token takes: the CA root bundle, the lifetime to ask for, when to renew.</summary>
    private static ProxyOptions? TryApplyCommon(ProxyOptions options, IReadOnlyDictionary<string, string> values, IdentityOptions identity, out string error)
    {
        error = string.Empty;
        var rootFile = values.GetValueOrDefault("--ca-root-file");
        if (options.Discovery.Scheme == Uri.UriSchemeHttps && rootFile is null)
        {
            error = $"--discovery '{options.Discovery}': TLS to the control plane needs --ca-root-file PATH (the CA's root-cert.pem) to verify it";
            return null;
        }

        if (rootFile is not null && !File.Exists(rootFile))
        {
            error = $"--ca-root-file '{rootFile}': no such file";
            return null;
        }

        TimeSpan? lifetime = null;
        if (values.TryGetValue("--cert-ttl-seconds", out var ttl))
        {
            if (!int.TryParse(ttl, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
            {
                error = $"--cert-ttl-seconds '{ttl}': expected a positive whole number of seconds";
                return null;
            }

            lifetime = TimeSpan.FromSeconds(seconds);
        }

        var fraction = IdentityOptions.DefaultRenewFraction;
        if (values.TryGetValue("--cert-renew-fraction", out var text)
            && (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out fraction) || fraction is <= 0 or >= 1))
        {
            error = $"--cert-renew-fraction '{text}': expected a number between 0 and 1 (exclusive)";
            return null;
        }

        return options with { Identity = identity with { CaRootFile = rootFile is null ? null : Path.GetFullPath(rootFile), Lifetime = lifetime, RenewFraction = fraction } };
    }
}
