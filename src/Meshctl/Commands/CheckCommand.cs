using System.CommandLine;
using k8s;
using Mesh.Meshctl.Cluster;
using Mesh.Meshctl.Cluster.Manifests;

namespace Mesh.Meshctl.Commands;

/// <summary>`meshctl check [--pre]`: can this cluster take the mesh (--pre), and does the installed mesh work.</summary>
internal static class CheckCommand
{
    public static Command Create()
    {
        var connection = new ClusterConnection();
        var pre = new Option<bool>("--pre") { Description = "Before install: Kubernetes version, native sidecar support, permission to create every kind the mesh installs" };
        var command = new Command("check", "Check the cluster before install (--pre) or the installed mesh; exit 1 when a check fails") { pre };
        connection.AddTo(command);
        command.SetAction(async (result, cancellationToken) => await ClusterCommand.RunAsync("check", connection, result, Console.Error,
            config => RunAsync(result.GetValue(pre), ManifestFiles.Embedded, config, StepWriter.ForConsole(), cancellationToken)));
        return command;
    }

    public static async Task<int> RunAsync(bool pre, ManifestFiles files, KubernetesClientConfiguration config, StepWriter writer, CancellationToken cancellationToken)
    {
        using var api = new KubeApi(config);
        var check = new ClusterCheck(api, writer);
        if (!pre)
        {
            return await check.RunAsync(cancellationToken);
        }

        try
        {
            return await check.RunPreAsync(UninstallCommand.EveryProfile(files), cancellationToken);
        }
        catch (ManifestException e)
        {
            writer.Fail(e.Message);
            return 1;
        }
    }
}
