using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// authentication.k8s.io/v1 TokenReview create, answered as the real server's service-account authenticator does:
/// the token's audiences must meet spec.audiences (the server's own audience, its issuer URL, when none are given),
/// it must not have expired by the server's clock, and the user is system:serviceaccount:NS:SA with its groups and,
/// for a pod-bound token, the pod's name and uid in extra. A token bound to a service account or pod that was stored
/// when it was issued is invalidated once that object is gone or replaced (tokens for objects never created are
/// accepted, so tests need not create them). Callers need create on tokenreviews: the admin, or a service account RBAC grants it to.
/// </summary>
internal sealed class TokenReviewEndpoint(ServiceAccountTokens tokens, TimeProvider time, ObjectStore store, ResourceCatalog catalog)
{
    public async Task CreateAsync(HttpContext context, ResourceRequest request)
    {
        var review = ResourceEndpoints.Accept(await JsonResponses.ReadObjectAsync(context), request);
        var spec = review["spec"] as JsonObject ?? throw ApiException.Invalid(request.Type, "", "spec.token: Required value");
        var token = spec["token"]?.GetValue<string>() ?? "";
        var requested = Strings(spec["audiences"]);
        review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        review["status"] = Review(token, requested.Count == 0 ? [ServiceAccountTokens.Issuer] : requested);
        await JsonResponses.WriteAsync(context, 201, ResourceEndpoints.Present(review, request));
    }

    private JsonObject Review(string token, List<string> requested)
    {
        if (tokens.Verify(token) is not { } claims)
        {
            return Refused("invalid bearer token");
        }
        var audiences = Strings(claims["aud"]);
        var granted = audiences.FindAll(requested.Contains);
        if (granted.Count == 0)
        {
            return Refused($"token audiences {GoQuoted(audiences)} is invalid for the target audiences {GoQuoted(requested)}");
        }
        if (claims["exp"]?.GetValue<long>() is not { } expiry || expiry <= time.GetUtcNow().ToUnixTimeSeconds())
        {
            return Refused("service account token has expired");
        }
        var kubernetes = claims["kubernetes.io"]!;
        var ns = kubernetes["namespace"]!.GetValue<string>();
        foreach (var (resource, name, uid) in tokens.Bindings(claims["jti"]?.GetValue<string>()))
        {
            if (store.Get(catalog.FindByKey(resource)!, ns, name)?["metadata"]?["uid"]?.GetValue<string>() != uid)
            {
                return Refused("service account token has been invalidated");
            }
        }
        var account = kubernetes["serviceaccount"]!;
        var extra = new JsonObject
        {
            ["authentication.kubernetes.io/credential-id"] = new JsonArray("JTI=" + claims["jti"]?.GetValue<string>()),
        };
        if (kubernetes["pod"] is JsonObject pod)
        {
            extra["authentication.kubernetes.io/pod-name"] = new JsonArray(pod["name"]!.GetValue<string>());
            extra["authentication.kubernetes.io/pod-uid"] = new JsonArray(pod["uid"]!.GetValue<string>());
        }
        var audienceArray = new JsonArray();
        foreach (var audience in granted)
        {
            audienceArray.Add(audience);
        }
        return new JsonObject
        {
            ["authenticated"] = true,
            ["user"] = new JsonObject
            {
                ["username"] = $"system:serviceaccount:{ns}:{account["name"]!.GetValue<string>()}",
                ["uid"] = account["uid"]!.GetValue<string>(),
                ["groups"] = new JsonArray("system:serviceaccounts", "system:serviceaccounts:" + ns, "system:authenticated"),
                ["extra"] = extra,
            },
            ["audiences"] = audienceArray,
        };
    }

    /// <summary>The union authenticator's aggregate error, as the real server writes it into status.error.</summary>
    private static JsonObject Refused(string reason) => new()
    {
        ["user"] = new JsonObject(),
        ["error"] = $"[invalid bearer token, {reason}]",
    };

    /// <summary>A string slice as Go's %q prints it: ["a" "b"].</summary>
    private static string GoQuoted(List<string> values) => "[" + string.Join(' ', values.Select(v => "\"" + v + "\"")) + "]";

    private static List<string> Strings(JsonNode? node)
    {
        var result = new List<string>();
        switch (node)
        {
            case JsonArray array:
                foreach (var item in array)
                {
                    result.Add(item!.GetValue<string>());
                }
                break;
            case JsonValue value:
                result.Add(value.GetValue<string>());
                break;
        }
        return result;
    }
}
