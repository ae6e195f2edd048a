// The proxy's identity options on its command line: the CA token (flag or MESH_CA_TOKEN), the CA root bundle, the lifetime to ask for, when to renew.
using System.Globalization;

namespace Mesh.Proxy.Identity;

internal static class IdentityCommandLine
{
    public const string Usage = """
        identity options (both modes):
          [--ca-token TOKEN (default $MESH_CA_TOKEN; none: no workload certificate, plaintext only)]
          [--ca-root-file PATH (the CA's root-cert.pem; required with --discovery https://)]
          [--cert-ttl-seconds N (default: the CA's, 24 h)] [--cert-renew-fraction F (default 0.8)]
        """;

    public static readonly string[] Flags = ["--ca-token", "--ca-root-file", "--cert-ttl-seconds", "--cert-renew-fraction"];

    /// <summary>Adds the identity options to <paramref name="options"/>, or returns null with <paramref name="error"/>.</summary>
    public static ProxyOptions? TryApply(ProxyOptions? options, IReadOnlyDictionary<string, string> values, string? tokenVariable, out string error)
    {
        error = string.Empty;
        if (options is null)
        {
            return null;
        }

        var token = values.TryGetValue("--ca-token", out var flag) ? flag : tokenVariable;
        if (string.IsNullOrWhiteSpace(token))
        {
            token = null;
        }
        else if (!Mesh.Security.BootstrapToken.TryReadIdentity(token, out _, out _))
        {
            error = "--ca-token: not a bootstrap token (expected <identity>.<mac>, as the control plane mints them)";
            return null;
        }

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

        return options with { Identity = new IdentityOptions { Token = token, CaRootFile = rootFile is null ? null : Path.GetFullPath(rootFile), Lifetime = lifetime, RenewFraction = fraction } };
    }
}
