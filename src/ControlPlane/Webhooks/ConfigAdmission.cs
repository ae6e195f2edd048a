using System.Text.Json.Nodes;
using Mesh.Istio;
using Mesh.Istio.Analysis;

namespace Mesh.ControlPlane.Webhooks;

/// <summary>What the validating webhook answers: allowed or not, why not, and the warnings kubectl prints.</summary>
internal readonly record struct AdmissionDecision(bool Allowed, string? Message, IReadOnlyList<string> Warnings);

/// <summary>
/// Decides one AdmissionReview for Istio's config kinds as istiod's <c>/validate</c> does: CREATE and UPDATE are checked
/// with the loader the folder source and <c>meshctl validate</c> use (same rules, same field-path messages), anything else
/// passes; a kind that is not one of Istio's is refused as an unrecognized type.
/// </summary>
internal static class ConfigAdmission
{
    private static readonly AdmissionDecision Allow = new(true, null, []);

    public static AdmissionDecision Decide(AdmissionReview review, ConfigInputLimits limits)
    {
        if (review.Operation is not ("CREATE" or "UPDATE"))
        {
            return Allow;
        }

        if (review.Object is not { } obj)
        {
            return new AdmissionDecision(false, "cannot decode configuration: the request carries no object", []);
        }

        // The API server sets the namespace from the URL before admission; a request without one still names it.
        if (review.Namespace.Length > 0 && obj["metadata"] is JsonObject metadata && metadata["namespace"] is null)
        {
            metadata["namespace"] = review.Namespace;
        }

        var result = IstioConfigLoader.LoadText(obj.ToJsonString(), "admission", limits);
        if (result.Errors.Count > 0)
        {
            var reasons = new string[result.Errors.Count];
            for (var i = 0; i < reasons.Length; i++) reasons[i] = result.Errors[i].Describe();
            return new AdmissionDecision(false, "configuration is invalid: " + string.Join("; ", reasons), []);
        }

        if (result.Resources.Count == 0)
        {
            // Istio's own wording (a Go GroupVersionKind): "networking.istio.io/v1, Kind=Foo".
            var apiVersion = (obj["apiVersion"] as JsonValue)?.ToString() ?? "";
            var kind = (obj["kind"] as JsonValue)?.ToString() ?? "";
            return new AdmissionDecision(false, $"unrecognized type {apiVersion}, Kind={kind}", []);
        }

        var warnings = new List<string>();
        foreach (var warning in result.Warnings) warnings.Add(warning.Describe());
        // Only the checks about this resource alone: references to other resources are not known here, and a missing
        // DestinationRule may simply be applied next.
        foreach (var message in MeshAnalyzer.Analyze(result.Resources))
        {
            if (message.Type == AnalysisMessageType.NotEffective || message.Type == AnalysisMessageType.VirtualServiceUnreachableRule
                || message.Type == AnalysisMessageType.VirtualServiceIneffectiveMatch)
            {
                warnings.Add(message.Describe());
            }
        }

        return new AdmissionDecision(true, null, warnings);
    }
}
