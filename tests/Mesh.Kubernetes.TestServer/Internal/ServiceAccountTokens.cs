using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// Bound service-account tokens as the kubelet's projected volume gets them from the TokenRequest API: RS256 JWTs
/// signed by this server's key, with the claims the real server writes (iss, sub, aud, exp, iat, nbf, jti and the
/// kubernetes.io claim naming the namespace, service account and pod), and their validation for TokenReview.
/// </summary>
internal sealed class ServiceAccountTokens : IDisposable
{
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private readonly RSA _key = RSA.Create(2048);
    private readonly string _keyId = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
    private readonly TimeProvider _time;

    public ServiceAccountTokens(TimeProvider time) => _time = time;

    /// <summary>
    /// Per token id, the stored objects it was bound to (the service account and pod when they existed at issue):
    /// TokenReview refuses the token once one of them is gone or replaced, as the real server does.
    /// </summary>
    private readonly ConcurrentDictionary<string, (string Resource, string Name, string Uid)[]> _bindings = new();

    public string Issue(string ns, string serviceAccount, string serviceAccountUid, string[] audiences, TimeSpan lifetime,
        string? podName, string? podUid, (string Resource, string Name, string Uid)[] storedBindings)
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        var jti = Guid.NewGuid().ToString();
        _bindings[jti] = storedBindings;
        var kubernetes = new JsonObject
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new JsonObject { ["name"] = serviceAccount, ["uid"] = serviceAccountUid },
        };
        if (podName is not null)
        {
            kubernetes["pod"] = new JsonObject { ["name"] = podName, ["uid"] = podUid ?? Guid.NewGuid().ToString() };
        }
        var audienceArray = new JsonArray();
        foreach (var audience in audiences)
        {
            audienceArray.Add(audience);
        }
        var claims = new JsonObject
        {
            ["aud"] = audienceArray,
            ["exp"] = now + (long)lifetime.TotalSeconds,
            ["iat"] = now,
            ["iss"] = Issuer,
            ["jti"] = jti,
            ["kubernetes.io"] = kubernetes,
            ["nbf"] = now,
            ["sub"] = $"system:serviceaccount:{ns}:{serviceAccount}",
        };
        var header = new JsonObject { ["alg"] = "RS256", ["kid"] = _keyId };
        var signingInput = Encode(header) + "." + Encode(claims);
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    /// <summary>The token's claims when this server signed it, else null (not a JWT, or another signer's).</summary>
    public JsonObject? Verify(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }
        try
        {
            var signature = Base64Url.DecodeFromChars(parts[2]);
            if (!_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256,
                    RSASignaturePadding.Pkcs1))
            {
                return null;
            }
            return JsonNode.Parse(Base64Url.DecodeFromChars(parts[1])) as JsonObject;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>The stored objects a token was bound to (none for a token this server did not issue).</summary>
    public (string Resource, string Name, string Uid)[] Bindings(string? jti) =>
        jti is not null && _bindings.TryGetValue(jti, out var bound) ? bound : [];

    /// <summary>True when the token is this server's and not expired (the check the authenticator makes for every request).</summary>
    public bool IsValid(string token) =>
        Verify(token) is { } claims && claims["exp"]?.GetValue<long>() > _time.GetUtcNow().ToUnixTimeSeconds();

    public void Dispose() => _key.Dispose();

    private static string Encode(JsonObject node) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(node.ToJsonString()));
}
