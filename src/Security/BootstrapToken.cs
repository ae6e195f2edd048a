// Local mode's workload credential: "<base64url(spiffe id)>.<base64url(HMAC-SHA256(secret, spiffe id))>".
using System.Security.Cryptography;
using System.Text;

namespace Mesh.Security;

/// <summary>
/// The control plane keeps a secret; a token proves its holder may ask for the identity it names. The identity part
/// is readable by the proxy (it learns which identity to request); only the secret's holder can mint the MAC.
/// </summary>
public sealed class BootstrapToken(byte[] secret)
{
    public const string SecretFile = "bootstrap-secret";

    public string Create(SpiffeId identity)
    {
        var id = Encoding.UTF8.GetBytes(identity.Uri);
        return Base64Url(id) + "." + Base64Url(HMACSHA256.HashData(secret, id));
    }

    /// <summary>The identity the token was minted for, or null when the token is malformed or not minted with this secret.</summary>
    public SpiffeId? Authenticate(string? token)
    {
        if (!TryReadIdentity(token, out var id, out var mac) || mac is null)
        {
            return null;
        }

        var expected = HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(id.Uri));
        return CryptographicOperations.FixedTimeEquals(expected, mac) ? id : null;
    }

    /// <summary>Reads the identity a token names without checking it (the proxy's side: which SPIFFE id to put in its CSR).</summary>
    public static bool TryReadIdentity(string? token, out SpiffeId identity, out byte[]? mac)
    {
        identity = null!;
        mac = null;
        var dot = token?.IndexOf('.') ?? -1;
        if (dot <= 0)
        {
            return false;
        }

        try
        {
            var uri = Encoding.UTF8.GetString(Convert.FromBase64String(FromBase64Url(token![..dot])));
            mac = Convert.FromBase64String(FromBase64Url(token[(dot + 1)..]));
            return SpiffeId.TryParse(uri, out identity, out _);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The secret in <paramref name="folder"/>, created (32 random bytes, owner-only) when absent.</summary>
    public static BootstrapToken LoadOrCreate(string folder)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, SecretFile);
        if (!File.Exists(path))
        {
            var temp = path + ".tmp";
            File.WriteAllText(temp, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temp, path, overwrite: false);
        }

        return new BootstrapToken(Convert.FromBase64String(File.ReadAllText(path).Trim()));
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string FromBase64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        return padded + new string('=', (4 - padded.Length % 4) % 4);
    }
}
