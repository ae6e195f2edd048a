using System.Text.RegularExpressions;
using k8s.Models;

namespace Mesh.Injection;

/// <summary>
/// The workload a pod belongs to (ISTIO_META_WORKLOAD_NAME, ISTIO_META_OWNER, the canonical-name fallback), derived as
/// Istio's <c>GetDeployMetaFromPod</c> does: a generated pod's controller, a ReplicaSet <c>name-hash</c> with the
/// <c>pod-template-hash</c> label read as its Deployment <c>name</c>, a Job <c>name-&lt;8..10 digits&gt;</c> as its CronJob.
/// </summary>
internal sealed partial record WorkloadOwner(string Name, string Namespace, string ApiVersion, string Kind)
{
    /// <summary>Istio's ISTIO_META_OWNER: <c>kubernetes://apis/&lt;apiVersion&gt;/namespaces/&lt;ns&gt;/&lt;kind&gt;s/&lt;name&gt;</c>.</summary>
    public string OwnerUri => $"kubernetes://apis/{ApiVersion}/namespaces/{(Namespace.Length == 0 ? "default" : Namespace)}/{Kind.ToLowerInvariant()}s/{Name}";

    /// <summary>The owner of a pod the webhook (or kube-inject, for a bare Pod) sees.</summary>
    public static WorkloadOwner FromPod(V1ObjectMeta metadata, string @namespace)
    {
        var name = metadata.Name ?? "";
        if (!string.IsNullOrEmpty(metadata.GenerateName))
        {
            var controller = metadata.OwnerReferences?.FirstOrDefault(reference => reference.Controller == true);
            if (controller is not null)
            {
                string? hash = null;
                metadata.Labels?.TryGetValue("pod-template-hash", out hash);
                if (controller.Kind == "ReplicaSet" && !string.IsNullOrEmpty(hash) && controller.Name.EndsWith("-" + hash, StringComparison.Ordinal))
                {
                    return new WorkloadOwner(controller.Name[..^(hash.Length + 1)], @namespace, controller.ApiVersion, "Deployment");
                }

                if (controller.Kind == "Job" && CronJobName().Match(controller.Name) is { Success: true } cron)
                {
                    // A CronJob's apiVersion cannot be read from the pod; Istio assumes batch/v1 too.
                    return new WorkloadOwner(cron.Groups[1].Value, @namespace, "batch/v1", "CronJob");
                }

                return new WorkloadOwner(controller.Name, @namespace, controller.ApiVersion, controller.Kind);
            }

            if (name.Length == 0)
            {
                // No controller and no name yet: the generateName prefix is the best name there is.
                name = metadata.GenerateName.TrimEnd('-');
            }
        }

        return new WorkloadOwner(name, @namespace, "v1", "Pod");
    }

    [GeneratedRegex(@"^(.+)-\d{8,10}$")]
    private static partial Regex CronJobName();
}
