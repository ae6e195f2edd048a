using System.Buffers.Text;
using System.Text.Json;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// What a service-account token says of itself, read without checking its signature: only for words in a log line
/// ("a token claiming …") and to stop trusting a proven token when it expires. The TokenReview decides who it is.
/// </summary>
internal readonly record struct UnverifiedJwtClaims(string? Subject, DateTimeOffset? Expiry)
{
    /// <summary>True for a compact JWS: three base64url segments separated by dots.</summary>
    public static bool LooksLikeJwt(string token)
    {
        var first = token.IndexOf('.');
        var last = token.LastIndexOf('.');
        return first > 0 && last > first + 1 && last < token.Length - 1 && token.IndexOf('.', first + 1) == last;
    }

    public static UnverifiedJwtClaims Read(string token)
    {
        var first = token.IndexOf('.');
        var last = token.LastIndexOf('.');
        try
        {
            var payload = Base64Url.DecodeFromChars(token.AsSpan(first + 1, last - first - 1));
            using var json = JsonDocument.Parse(payload);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return default;
            }

            var subject = json.RootElement.TryGetProperty("sub", out var sub) && sub.ValueKind == JsonValueKind.String ? sub.GetString() : null;
            DateTimeOffset? expiry = json.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var seconds)
                && seconds is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
            return new UnverifiedJwtClaims(subject, expiry);
        }
        catch (Exception ex) when (ex is FormatException or JsonException)
        {
            return default;
        }
    }
}
