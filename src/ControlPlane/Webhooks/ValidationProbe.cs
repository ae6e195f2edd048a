using System.Text.Json.Nodes;

namespace Mesh.ControlPlane.Webhooks;

/// <summary>
/// The known-bad Gateway istiod creates with dryRun=All before it lets validation fail closed, and how to read the
/// API server's answer (istiod's message fragments).
/// </summary>
internal static class ValidationProbe
{
    public const string Name = "invalid-gateway";

    /// <summary>A Gateway whose only server has no hosts: invalid for Istio and for us. Labelled with our revision so that
    /// the revision's webhook (its objectSelector) is the one that must refuse it.</summary>
    public static JsonObject Gateway(string ns, string revision) => new()
    {
        ["apiVersion"] = "networking.istio.io/v1",
        ["kind"] = "Gateway",
        ["metadata"] = new JsonObject
        {
            ["name"] = Name,
            ["namespace"] = ns,
            ["labels"] = new JsonObject { ["istio.io/rev"] = revision },
        },
        ["spec"] = new JsonObject
        {
            ["servers"] = new JsonArray(new JsonObject
            {
                ["port"] = new JsonObject { ["number"] = 80, ["name"] = "http", ["protocol"] = "HTTP" },
                ["hosts"] = new JsonArray(),
            }),
        },
    };

    /// <summary>True when the create's error shows validation need not be waited for, with the reason.</summary>
    public static bool ShowsValidationAnswers(string? body, out string reason)
    {
        reason = body switch
        {
            not null when body.Contains("denied the request", StringComparison.Ordinal) => "denied the request",
            // No Gateway kind (no CRDs installed): nothing can be checked, so nothing is waited for (istiod does the same).
            not null when body.Contains("the server could not find the requested resource", StringComparison.Ordinal) => "no Gateway kind to check with",
            not null when body.Contains("does not support dry run", StringComparison.Ordinal) => "a webhook cannot dry-run, nothing to check with",
            _ => "",
        };
        return reason.Length > 0;
    }
}
