// The proxy's identity options on its command line: the CA token (flag or MESH_CA_TOKEN), the lifetime to ask for, when to renew.
using System.Globalization;

namespace Mesh.Proxy.Identity;

internal static class IdentityCommandLine
{
    public const string Usage = """
        identity options (both modes):
          [--ca-token TOKEN (default $MESH_CA_TOKEN; none: no workload certificate, plaintext only)]
          [--cert-ttl-seconds N (default: the CA's, 24 h)] [--cert-renew-fraction F (default 0.8)]
        """;

    public static readonly string[] Flags = ["--ca-token", "--cert-ttl-seconds", "--cert-renew-fraction"];

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

        return options with { Identity = new IdentityOptions { Token = token, Lifetime = lifetime, RenewFraction = fraction } };
    }
}
