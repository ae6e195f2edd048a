namespace Mesh.Proxy.Model;

/// <summary>Where a request may carry a token (a header with its prefix, a query parameter, a cookie), and the providers that read it there.</summary>
internal sealed class JwtLocationModel
{
    public required JwtLocationKind Kind { get; init; }

    /// <summary>The header, query parameter or cookie name.</summary>
    public required string Name { get; init; }

    /// <summary>Headers only: what precedes the token ("Bearer "); empty: the whole value.</summary>
    public required string Prefix { get; init; }

    /// <summary>The providers reading this location, in rule order: a token found here is verified by the first that takes its issuer.</summary>
    public required JwtProviderModel[] Providers { get; init; }
}

internal enum JwtLocationKind
{
    Header,
    QueryParameter,
    Cookie,
}
