using System.Text.Json.Nodes;

namespace Mesh.Meshctl.Cluster;

/// <summary>Whether a Deployment has rolled out, by the rule `kubectl rollout status` uses, and its conditions in one line.</summary>
internal static class DeploymentRollout
{
    /// <summary>Null once rolled out; otherwise what is still awaited.</summary>
    public static string? Status(JsonObject? deployment)
    {
        var generation = deployment?["metadata"]?["generation"]?.GetValue<long>() ?? 0;
        var status = deployment?["status"];
        var observed = status?["observedGeneration"]?.GetValue<long>() ?? 0;
        if (observed < generation)
        {
            return "the deployment controller has not observed the new spec yet";
        }

        foreach (var condition in status?["conditions"] as JsonArray ?? [])
        {
            if (condition?["type"]?.ToString() == "Progressing" && condition["reason"]?.ToString() == "ProgressDeadlineExceeded")
            {
                return "its progress deadline is exceeded";
            }
        }

        var wanted = deployment?["spec"]?["replicas"]?.GetValue<long>() ?? 1;
        var replicas = status?["replicas"]?.GetValue<long>() ?? 0;
        var updated = status?["updatedReplicas"]?.GetValue<long>() ?? 0;
        var available = status?["availableReplicas"]?.GetValue<long>() ?? 0;
        if (updated < wanted)
        {
            return $"{updated} of {wanted} new replicas updated";
        }

        if (replicas > updated)
        {
            return $"{replicas - updated} old replicas pending termination";
        }

        return available < updated ? $"{available} of {updated} updated replicas available" : null;
    }

    /// <summary>`Available=False (MinimumReplicasUnavailable: ...), Progressing=True (...)`, or "none reported".</summary>
    public static string Conditions(JsonObject? deployment)
    {
        var parts = new List<string>();
        foreach (var condition in deployment?["status"]?["conditions"] as JsonArray ?? [])
        {
            var reason = condition?["reason"]?.ToString();
            var message = condition?["message"]?.ToString();
            parts.Add($"{condition?["type"]}={condition?["status"]}{(reason is null ? "" : $" ({reason}{(message is null ? "" : ": " + message)})")}");
        }

        return parts.Count == 0 ? "none reported" : string.Join(", ", parts);
    }
}
