using System.CommandLine;
using k8s;
using Mesh.Meshctl.Cluster;
using Mesh.Meshctl.Cluster.Manifests;

namespace Mesh.Meshctl.Commands;

/// <summary>`meshctl install`: renders a profile of the built-in `deploy/` manifests and applies it to the cluster, or prints it with --dry-run.</summary>
internal static class InstallCommand
{
    public static Command Create()
    {
        var connection = new ClusterConnection();
        var profile = new Option<string>("--profile")
        {
            Description = "minimal (control plane), default (+ ingress gateway) or demo (+ Prometheus, Jaeger, Kiali, Grafana)",
            DefaultValueFactory = _ => "default",
        };
        profile.AcceptOnlyFromAmong(InstallManifests.Profiles);
        var platform = new Option<string?>("--platform") { Description = "kind: the demo profile with the gateway on node ports 30080/30443 (deploy/kind)" };
        platform.AcceptOnlyFromAmong("kind");
        var image = new Option<string?>("--image") { Description = "The mesh image for the control plane, the gateway and injected sidecars (default: mesh:dev)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Print the YAML that would be applied, and apply nothing" };
        var waitTimeout = new Option<TimeSpan>("--wait-timeout")
        {
            Description = "How long to wait for the CRDs and the rollouts",
            CustomParser = DurationParsing.One,
            DefaultValueFactory = _ => TimeSpan.FromMinutes(5),
        };
        var command = new Command("install", "Install the mesh into the cluster: CRDs, control plane and, by profile, the gateway and add-ons")
        {
            profile, platform, image, dryRun, waitTimeout,
        };
        connection.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var request = new InstallRequest(result.GetValue(profile)!, result.GetValue(platform), result.GetValue(image), result.GetValue(waitTimeout));
            if (result.GetValue(dryRun))
            {
                return Render(request, ManifestFiles.Embedded, Console.Out, Console.Error);
            }

            return await ClusterCommand.RunAsync("install", connection, result, Console.Error,
                config => RunAsync(request, ManifestFiles.Embedded, config, StepWriter.ForConsole(), cancellationToken));
        });
        return command;
    }

    /// <summary>--dry-run: the rendered YAML on <paramref name="output"/>; 1 with the reason when it cannot be rendered.</summary>
    public static int Render(InstallRequest request, ManifestFiles files, TextWriter output, TextWriter errors)
    {
        try
        {
            output.Write(YamlJson.Write(InstallManifests.Render(files, InstallManifests.Folder(request.Profile, request.Platform), request.Image)));
            return 0;
        }
        catch (ManifestException e)
        {
            errors.WriteLine($"meshctl install: {e.Message}");
            return 1;
        }
    }

    /// <summary>Applies and waits; one line per step on the writer.</summary>
    public static async Task<int> RunAsync(InstallRequest request, ManifestFiles files, KubernetesClientConfiguration config, StepWriter writer, CancellationToken cancellationToken, TimeProvider? time = null)
    {
        List<System.Text.Json.Nodes.JsonObject> objects;
        try
        {
            objects = InstallManifests.Render(files, InstallManifests.Folder(request.Profile, request.Platform), request.Image);
        }
        catch (ManifestException e)
        {
            writer.Fail(e.Message);
            return 1;
        }

        using var api = new KubeApi(config);
        writer.Line($"installing the {request.Profile} profile{(request.Platform is null ? "" : " for " + request.Platform)} ({objects.Count} objects) into {api.BaseUri}");
        return await new Installer(new ResourceClient(api), writer, time ?? TimeProvider.System).RunAsync(objects, request.WaitTimeout, cancellationToken);
    }
}

/// <summary>What to install: a profile, a platform overlay, an image to replace `mesh:dev` with, and how long to wait.</summary>
internal sealed record InstallRequest(string Profile, string? Platform, string? Image, TimeSpan WaitTimeout);
