using System.Text.Json.Nodes;

namespace Mesh.Meshctl.Cluster.Manifests;

/// <summary>
/// What `meshctl install` applies: a profile of `deploy/` (or the kind overlay) rendered, the image replaced when asked,
/// and the objects sorted into the apply order (CRDs, namespaces, identities and config, webhooks, workloads, the rest).
/// </summary>
internal static class InstallManifests
{
    public static readonly string[] Profiles = ["minimal", "default", "demo"];

    /// <summary>The kustomization folder for a profile and platform; throws <see cref="ManifestException"/> for a pair that does not exist.</summary>
    public static string Folder(string profile, string? platform)
    {
        if (Array.IndexOf(Profiles, profile) < 0)
        {
            throw new ManifestException($"unknown profile '{profile}' (minimal, default or demo)");
        }

        return platform switch
        {
            null => "profiles/" + profile,
            // deploy/kind is the demo profile with the gateway on kind's mapped node ports.
            "kind" when profile == "demo" => "kind",
            "kind" => throw new ManifestException($"--platform kind installs the demo profile (deploy/kind); profile '{profile}' has no kind overlay"),
            _ => throw new ManifestException($"unknown platform '{platform}' (kind, or none)"),
        };
    }

    /// <summary>Renders, replaces the image when <paramref name="image"/> is given, and sorts into apply order.</summary>
    public static List<JsonObject> Render(ManifestFiles files, string folder, string? image)
    {
        var objects = new KustomizationRenderer(files).Render(folder);
        if (image is not null)
        {
            ReplaceImage(objects, image);
        }

        return Sort(objects);
    }

    /// <summary>Images named `mesh` (any tag) become <paramref name="image"/>, and so does the control plane's `--proxy-image`, which it gives injected sidecars.</summary>
    public static void ReplaceImage(List<JsonObject> objects, string image)
    {
        foreach (var item in objects)
        {
            ImageReferences.ForEachContainer(item, container =>
            {
                if (container["image"]?.ToString() is { } current && ImageReferences.Split(current).Name == "mesh")
                {
                    container["image"] = image;
                }

                if (container["args"] is JsonArray args)
                {
                    for (var i = 0; i < args.Count; i++)
                    {
                        var arg = args[i]?.ToString();
                        if (arg == "--proxy-image" && i + 1 < args.Count)
                        {
                            args[i + 1] = image;
                        }
                        else if (arg?.StartsWith("--proxy-image=", StringComparison.Ordinal) == true)
                        {
                            args[i] = "--proxy-image=" + image;
                        }
                    }
                }
            });
        }
    }

    /// <summary>Stable sort by apply phase; within a phase the kustomization's order is kept.</summary>
    public static List<JsonObject> Sort(List<JsonObject> objects)
    {
        var sorted = new List<JsonObject>(objects.Count);
        for (var phase = 0; phase <= 5; phase++)
        {
            foreach (var item in objects)
            {
                if (Phase(item["kind"]?.ToString()) == phase)
                {
                    sorted.Add(item);
                }
            }
        }

        return sorted;
    }

    public static int Phase(string? kind) => kind switch
    {
        "CustomResourceDefinition" => 0,
        "Namespace" => 1,
        "ServiceAccount" or "ClusterRole" or "ClusterRoleBinding" or "Role" or "RoleBinding" or "ConfigMap" or "Secret"
            or "Service" or "IngressClass" => 2,
        "MutatingWebhookConfiguration" or "ValidatingWebhookConfiguration" => 3,
        "Deployment" or "StatefulSet" or "DaemonSet" or "PodDisruptionBudget" or "HorizontalPodAutoscaler" => 4,
        _ => 5,
    };
}
