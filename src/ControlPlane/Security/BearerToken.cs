// Reads the caller's token from a gRPC call's "authorization: Bearer <token>" header, as istiod's authenticators do.
using Grpc.Core;

namespace Mesh.ControlPlane.Security;

/// <summary>One reading of the header for every service that takes a token: the CA and the discovery stream.</summary>
internal static class BearerToken
{
    private const string Prefix = "Bearer ";

    /// <summary>The token, or null when the call has no authorization header or one of another scheme.</summary>
    public static string? Read(Metadata headers)
    {
        var header = headers.GetValue("authorization");
        return header is not null && header.StartsWith(Prefix, StringComparison.Ordinal) ? header[Prefix.Length..].Trim() : null;
    }
}
