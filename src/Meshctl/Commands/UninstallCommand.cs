using System.CommandLine;
using System.Text.Json.Nodes;
using k8s;
using Mesh.Meshctl.Cluster;
using Mesh.Meshctl.Cluster.Manifests;

namespace Mesh.Meshctl.Commands;

/// <summary>`meshctl uninstall`: deletes what install applied (any profile), keeping the CRDs unless --purge.</summary>
internal static class UninstallCommand
{
    public static Command Create()
    {
        var connection = new ClusterConnection();
        var purge = new Option<bool>("--purge")
        {
            Description = "Also delete the CRDs (and with them every Istio resource in the cluster) and the root-certificate ConfigMaps in every namespace",
        };
        var waitTimeout = new Option<TimeSpan>("--wait-timeout")
        {
            Description = "How long to wait for the objects to be gone",
            CustomParser = DurationParsing.One,
            DefaultValueFactory = _ => TimeSpan.FromMinutes(5),
        };
        var command = new Command("uninstall", "Remove the mesh from the cluster; the CRDs and the Istio config in them stay unless --purge") { purge, waitTimeout };
        connection.AddTo(command);
        command.SetAction(async (result, cancellationToken) => await ClusterCommand.RunAsync("uninstall", connection, result, Console.Error,
            config => RunAsync(result.GetValue(purge), result.GetValue(waitTimeout), ManifestFiles.Embedded, config, StepWriter.ForConsole(), cancellationToken)));
        return command;
    }

    public static async Task<int> RunAsync(bool purge, TimeSpan waitTimeout, ManifestFiles files, KubernetesClientConfiguration config, StepWriter writer, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        List<JsonObject> objects;
        try
        {
            objects = EveryProfile(files);
        }
        catch (ManifestException e)
        {
            writer.Fail(e.Message);
            return 1;
        }

        using var api = new KubeApi(config);
        return await new Uninstaller(new ResourceClient(api), writer, time ?? TimeProvider.System).RunAsync(objects, purge, waitTimeout, cancellationToken);
    }

    /// <summary>The objects of every profile and platform, once each, in apply order: whichever was installed is all found.</summary>
    public static List<JsonObject> EveryProfile(ManifestFiles files)
    {
        var all = new List<JsonObject>();
        var seen = new HashSet<(string, string, string, string)>();
        foreach (var folder in new[] { "profiles/demo", "profiles/default", "profiles/minimal", "kind" })
        {
            foreach (var item in new KustomizationRenderer(files).Render(folder))
            {
                var id = ObjectId.Of(item);
                if (seen.Add((id.ApiVersion, id.Kind, id.Namespace, id.Name)))
                {
                    all.Add(item);
                }
            }
        }

        return InstallManifests.Sort(all);
    }
}
