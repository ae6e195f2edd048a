using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal.Admission;

/// <summary>
/// Whether a webhook applies to a request, as the API server decides: its rules (operations, apiGroups, apiVersions,
/// resources with "*", "*/*", "R/*", "*/sub" forms, scope), its namespaceSelector (the namespace's labels; a
/// Namespace's own; cluster-scoped objects always pass) and its objectSelector (the object's or the old object's
/// labels). With matchPolicy Equivalent (the default) a rule naming another served version of the same resource
/// matches too, and the request is then sent at that version.
/// </summary>
internal static class WebhookMatcher
{
    /// <summary>The version to send the request at, or null when the webhook does not apply.</summary>
    public static string? Match(JsonObject webhook, AdmissionAttributes attributes, JsonNode? namespaceLabels)
    {
        var request = attributes.Request;
        var version = MatchingVersion(webhook, attributes.Operation, request);
        if (version is null)
        {
            return null;
        }
        if (request.Type.Namespaced || request.Type.Key == "namespaces")
        {
            if (!LabelSelector.FromObject(webhook["namespaceSelector"]).Matches(namespaceLabels))
            {
                return null;
            }
        }
        var objectSelector = LabelSelector.FromObject(webhook["objectSelector"]);
        var matchesObject = objectSelector.Matches(attributes.Object["metadata"]?["labels"])
            || (attributes.OldObject is not null && objectSelector.Matches(attributes.OldObject["metadata"]?["labels"]));
        return matchesObject ? version : null;
    }

    private static string? MatchingVersion(JsonObject webhook, string operation, ResourceRequest request)
    {
        if (webhook["rules"] is not JsonArray rules)
        {
            return null;
        }
        if (MatchesAnyRule(rules, operation, request, request.Version))
        {
            return request.Version;
        }
        if (webhook["matchPolicy"]?.GetValue<string>() == "Exact")
        {
            return null;
        }
        foreach (var other in request.Type.Versions)
        {
            if (other != request.Version && MatchesAnyRule(rules, operation, request, other))
            {
                return other;
            }
        }
        return null;
    }

    private static bool MatchesAnyRule(JsonArray rules, string operation, ResourceRequest request, string version)
    {
        foreach (var rule in rules)
        {
            if (rule is JsonObject r
                && Contains(r["operations"], operation)
                && Contains(r["apiGroups"], request.Type.Group)
                && Contains(r["apiVersions"], version)
                && ResourceMatches(r["resources"], request.Type.Plural, request.Subresource)
                && ScopeMatches(r["scope"]?.GetValue<string>() ?? "*", request.Type.Namespaced))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Contains(JsonNode? values, string wanted)
    {
        if (values is not JsonArray array)
        {
            return false;
        }
        foreach (var value in array)
        {
            var text = value?.GetValue<string>();
            if (text == "*" || text == wanted)
            {
                return true;
            }
        }
        return false;
    }

    private static bool ResourceMatches(JsonNode? resources, string plural, string? subresource)
    {
        if (resources is not JsonArray array)
        {
            return false;
        }
        foreach (var value in array)
        {
            var pattern = value?.GetValue<string>() ?? "";
            var slash = pattern.IndexOf('/');
            var resourcePart = slash < 0 ? pattern : pattern[..slash];
            var subPart = slash < 0 ? null : pattern[(slash + 1)..];
            var resourceOk = resourcePart == "*" || resourcePart == plural;
            var subOk = subresource is null ? subPart is null : subPart == "*" || subPart == subresource;
            if (resourceOk && subOk)
            {
                return true;
            }
        }
        return false;
    }

    private static bool ScopeMatches(string scope, bool namespaced) => scope switch
    {
        "Cluster" => !namespaced,
        "Namespaced" => namespaced,
        _ => true,
    };
}
