using System.Text.RegularExpressions;

namespace Mesh.Istio.Validation;

/// <summary>The name grammars Kubernetes and Istio check: DNS-1123 labels and subdomains, label keys and values, host names with wildcards.</summary>
internal static partial class IstioNameRules
{
    public const string Dns1123LabelMessage = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', start and end with an alphanumeric character, and be at most 63 characters";
    public const string Dns1123SubdomainMessage = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', must start and end with an alphanumeric character, and be at most 253 characters";

    public static bool IsDns1123Label(string value) => value.Length is > 0 and <= 63 && Dns1123Label().IsMatch(value);

    public static bool IsDns1123Subdomain(string value)
    {
        if (value.Length is 0 or > 253)
        {
            return false;
        }

        foreach (var label in value.Split('.'))
        {
            if (!IsDns1123Label(label))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Istio's ValidateWildcardDomain: a host name, optionally with "*" alone as the first label or as a prefix of it ("*.example.com", "*x"), or "*" itself.</summary>
    public static string? CheckWildcardDomain(string host)
    {
        if (host.Length == 0)
        {
            return "empty domain name not allowed";
        }

        if (host.Length > 255)
        {
            return $"domain name \"{host}\" too long (max 255)";
        }

        var rest = host;
        if (host[0] == '*')
        {
            if (host.Length == 1)
            {
                return null;
            }

            var dot = host.IndexOf('.');
            rest = dot < 0 ? host[1..] : host[(dot + 1)..];
            if (dot < 0 || rest.Length == 0)
            {
                // "*x" is a wildcard prefix of a short name; Istio accepts it.
                return host.AsSpan(1).ContainsAny("*.") ? $"domain name \"{host}\" invalid (wildcard is only allowed as a prefix)" : null;
            }
        }

        // A trailing dot is the root of an FQDN.
        if (rest.EndsWith('.'))
        {
            rest = rest[..^1];
        }

        foreach (var label in rest.Split('.'))
        {
            if (label.Contains('*'))
            {
                return $"domain name \"{host}\" invalid (wildcard is only allowed as a prefix)";
            }

            if (!IsDnsLabel(label))
            {
                return $"domain name \"{host}\" invalid (label \"{label}\" invalid)";
            }
        }

        return null;
    }

    /// <summary>Kubernetes label key: an optional DNS subdomain prefix and "/", then a name of up to 63 characters.</summary>
    public static string? CheckLabelKey(string key)
    {
        var slash = key.IndexOf('/');
        var name = slash < 0 ? key : key[(slash + 1)..];
        if (slash >= 0 && !IsDns1123Subdomain(key[..slash]))
        {
            return $"invalid label key \"{key}\": prefix must be a DNS-1123 subdomain";
        }

        return name.Length is > 0 and <= 63 && QualifiedName().IsMatch(name)
            ? null
            : $"invalid label key \"{key}\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
    }

    public static string? CheckLabelValue(string key, string value) =>
        value.Length <= 63 && (value.Length == 0 || QualifiedName().IsMatch(value))
            ? null
            : $"invalid label value \"{value}\" of \"{key}\": must be 63 characters or less, alphanumeric characters, '-', '_' or '.', starting and ending with an alphanumeric character";

    // DNS labels in hosts may be upper case (hosts are compared case-insensitively).
    private static bool IsDnsLabel(string label) => label.Length is > 0 and <= 63 && DnsLabel().IsMatch(label);

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$")]
    private static partial Regex DnsLabel();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex QualifiedName();
}
