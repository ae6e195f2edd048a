// The token the proxy authenticates to the control plane with: a bootstrap token, or a projected service-account token read from its file.
using Mesh.Security;

namespace Mesh.Proxy.Identity;

/// <summary>
/// A projected service-account token is read again before every use (each CSR, each discovery stream): the kubelet
/// rotates the file's content well before the token expires, and a token read once would stop working.
/// </summary>
internal static class CaToken
{
    /// <summary>A service-account token is a JWT of a few KiB; anything far larger is not one.</summary>
    public const int MaxFileBytes = 64 * 1024;

    /// <summary>The token to send now: the token file's current content, else the bootstrap token; null: none.</summary>
    public static string? Current(IdentityOptions options) => options.TokenFile is { } path ? ReadFile(path) : options.Token;

    /// <summary>The identity the token authenticates: the service account's with a token file, else the bootstrap token's.</summary>
    public static SpiffeId Identity(IdentityOptions options)
    {
        if (options.TokenFile is not null)
        {
            return options.ServiceAccountIdentity
                ?? throw new ArgumentException("--ca-token-file needs the service account's identity (--service-account)", nameof(options));
        }

        return BootstrapToken.TryReadIdentity(options.Token, out var identity, out _)
            ? identity
            : throw new ArgumentException("The CA token is not a bootstrap token (expected <identity>.<mac>, as the control plane mints them).", nameof(options));
    }

    /// <summary>Reads the token file, trimmed; throws <see cref="IOException"/> or <see cref="InvalidDataException"/> with a message naming the file.</summary>
    public static string ReadFile(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (file.Length > MaxFileBytes)
        {
            throw new InvalidDataException($"--ca-token-file '{path}': {file.Length} bytes, more than a service-account token's {MaxFileBytes}");
        }

        using var reader = new StreamReader(file);
        var token = reader.ReadToEnd().Trim();
        if (token.Length == 0)
        {
            throw new InvalidDataException($"--ca-token-file '{path}' is empty");
        }

        foreach (var c in token)
        {
            // It travels in an HTTP/2 header: printable ASCII only (a JWT is base64url and dots).
            if (c is < '!' or > '~')
            {
                throw new InvalidDataException($"--ca-token-file '{path}': not a token (a character outside printable ASCII)");
            }
        }

        return token;
    }
}
