// A workload identity as Istio writes it: spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>.
namespace Mesh.Security;

/// <summary>An Istio SPIFFE identity. Parsing is strict: any other path shape is not a workload identity.</summary>
public sealed record SpiffeId(string TrustDomain, string Namespace, string ServiceAccount)
{
    public const string DefaultTrustDomain = "cluster.local";

    private const string Scheme = "spiffe://";

    public string Uri { get; } = $"{Scheme}{TrustDomain}/ns/{Namespace}/sa/{ServiceAccount}";

    public override string ToString() => Uri;

    /// <summary>Parses "spiffe://td/ns/NS/sa/SA"; on failure <paramref name="error"/> says which part is wrong.</summary>
    public static bool TryParse(string? text, out SpiffeId id, out string error)
    {
        id = null!;
        error = string.Empty;
        if (string.IsNullOrEmpty(text) || !text.StartsWith(Scheme, StringComparison.Ordinal))
        {
            error = $"'{text}' is not a SPIFFE id: it must start with {Scheme}";
            return false;
        }

        var parts = text[Scheme.Length..].Split('/');
        if (parts.Length != 5 || parts[1] != "ns" || parts[3] != "sa")
        {
            error = $"'{text}' is not an Istio workload identity: expected {Scheme}<trust-domain>/ns/<namespace>/sa/<service-account>";
            return false;
        }

        if (!IsSegment(parts[0]) || !IsSegment(parts[2]) || !IsSegment(parts[4]))
        {
            error = $"'{text}': trust domain, namespace and service account must be non-empty and use only letters, digits, '.', '-' and '_'";
            return false;
        }

        id = new SpiffeId(parts[0].ToLowerInvariant(), parts[2], parts[4]);
        return true;
    }

    public static SpiffeId Parse(string text) =>
        TryParse(text, out var id, out var error) ? id : throw new FormatException(error);

    private static bool IsSegment(string segment)
    {
        if (segment.Length == 0)
        {
            return false;
        }

        foreach (var c in segment)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }
}
