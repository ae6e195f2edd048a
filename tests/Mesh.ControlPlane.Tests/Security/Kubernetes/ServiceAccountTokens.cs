using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Mesh.ControlPlane.Tests.Security.Kubernetes;

/// <summary>Unsigned JWTs shaped like a kubelet's projected tokens, for reviews a fake API server answers.</summary>
internal static class ServiceAccountTokens
{
    public static string Create(string ns, string serviceAccount, DateTimeOffset expiry, string nonce = "")
    {
        var header = Base64Url.EncodeToString("""{"alg":"RS256","kid":"test"}"""u8);
        var payload = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["aud"] = new[] { "istio-ca" },
            ["sub"] = $"system:serviceaccount:{ns}:{serviceAccount}",
            ["exp"] = expiry.ToUnixTimeSeconds(),
            ["jti"] = nonce,
        });
        return $"{header}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes(payload))}.c2lnbmF0dXJl";
    }
}
