namespace Mesh.Istio.Security;

/// <summary>
/// A parsed <c>when</c> key of an authorization rule: the attribute name (<c>source.ip</c>, <c>request.headers</c>,
/// <c>request.auth.claims</c>, ...) and, for the bracketed ones, its arguments: the header name, or the claim path
/// outermost first (<c>request.auth.claims[a][b]</c> is <c>[a, b]</c>). The one parser of keys, for validation and translation.
/// </summary>
/// <param name="IsEvaluable">False for Istio's experimental keys, which read Envoy filter metadata this mesh does not have.</param>
public sealed record ConditionKey(string Attribute, IReadOnlyList<string> Arguments, bool IsEvaluable = true)
{
    public const string RequestHeaders = "request.headers";
    public const string SourceIp = "source.ip";
    public const string RemoteIp = "remote.ip";
    public const string SourceNamespace = "source.namespace";
    public const string SourcePrincipal = "source.principal";
    public const string SourceTrustDomain = "source.trustDomain";
    public const string DestinationIp = "destination.ip";
    public const string DestinationPort = "destination.port";
    public const string ConnectionSni = "connection.sni";
    public const string RequestAuthPrincipal = "request.auth.principal";
    public const string RequestAuthAudiences = "request.auth.audiences";
    public const string RequestAuthPresenter = "request.auth.presenter";
    public const string RequestAuthClaims = "request.auth.claims";

    /// <summary>Istio's experimental keys (Envoy filter metadata such as the MySQL proxy's): valid in Istio, not evaluable here.</summary>
    public const string ExperimentalPrefix = "experimental.envoy.filters.";

    /// <summary>Parses a key, or says why it is not one of Istio's.</summary>
    public static ConditionKey? Parse(string key, out string? error)
    {
        error = null;
        switch (key)
        {
            case SourceIp or RemoteIp or SourceNamespace or SourcePrincipal or SourceTrustDomain or DestinationIp or DestinationPort or ConnectionSni
                or RequestAuthPrincipal or RequestAuthAudiences or RequestAuthPresenter:
                return new ConditionKey(key, []);
        }

        if (key.StartsWith(RequestHeaders + "[", StringComparison.Ordinal))
        {
            var arguments = Brackets(key.AsSpan(RequestHeaders.Length));
            if (arguments is [var header]) return new ConditionKey(RequestHeaders, [header.ToLowerInvariant()]);
            error = $"invalid key \"{key}\": expected request.headers[<header name>]";
            return null;
        }

        if (key.StartsWith(RequestAuthClaims + "[", StringComparison.Ordinal))
        {
            if (Brackets(key.AsSpan(RequestAuthClaims.Length)) is { Count: > 0 } path) return new ConditionKey(RequestAuthClaims, path);
            error = $"invalid key \"{key}\": expected request.auth.claims[<claim>], nested as [<claim>][<claim>]";
            return null;
        }

        if (key.StartsWith(ExperimentalPrefix, StringComparison.Ordinal) && key.Length > ExperimentalPrefix.Length)
        {
            return new ConditionKey(key, [], IsEvaluable: false);
        }

        error = $"unknown key \"{key}\": see Istio's authorization policy conditions for the supported keys";
        return null;
    }

    /// <summary><c>[a][b]</c> → <c>[a, b]</c>; null when the text is not a run of non-empty bracketed names.</summary>
    private static List<string>? Brackets(ReadOnlySpan<char> text)
    {
        var names = new List<string>();
        while (text.Length > 0)
        {
            var close = text.IndexOf(']');
            if (text[0] != '[' || close < 2) return null;
            var name = text[1..close];
            if (name.IndexOfAny('[', ']') >= 0) return null;
            names.Add(name.ToString());
            text = text[(close + 1)..];
        }
        return names;
    }
}
