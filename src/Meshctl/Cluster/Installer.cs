using System.Text.Json.Nodes;
using Mesh.Meshctl.Cluster.Manifests;

namespace Mesh.Meshctl.Cluster;

/// <summary>
/// `meshctl install`'s work: applies the rendered objects in order (server-side apply, field manager `meshctl`), one
/// line each (created, configured, unchanged); waits for the CRDs to be Established before anything else, and at the
/// end for every Deployment's rollout, saying what is not ready yet.
/// </summary>
internal sealed class Installer(ResourceClient client, StepWriter writer, TimeProvider time)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    /// <summary>0 when everything is applied and rolled out; 1 with the reason otherwise.</summary>
    public async Task<int> RunAsync(IReadOnlyList<JsonObject> objects, TimeSpan waitTimeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + waitTimeout;
        var crds = new List<ObjectId>();
        var deployments = new List<ObjectId>();
        try
        {
            foreach (var item in objects)
            {
                var id = ObjectId.Of(item);
                if (crds.Count > 0 && id.Kind != "CustomResourceDefinition")
                {
                    // Custom resources and the webhooks' rules need the kinds served: wait before going on.
                    if (!await WaitAsync(crds, CrdEstablished, deadline, waitTimeout, cancellationToken))
                    {
                        return 1;
                    }

                    crds.Clear();
                }

                await ApplyAsync(item, id, cancellationToken);
                if (id.Kind == "CustomResourceDefinition")
                {
                    crds.Add(id);
                }
                else if (id.Kind == "Deployment")
                {
                    deployments.Add(id);
                }
            }

            if (!await WaitAsync(crds, CrdEstablished, deadline, waitTimeout, cancellationToken)
                || !await WaitAsync(deployments, DeploymentRollout.Status, deadline, waitTimeout, cancellationToken))
            {
                return 1;
            }
        }
        catch (ClusterException e)
        {
            writer.Fail(e.Message);
            return 1;
        }

        writer.Ok($"installed {objects.Count} objects");
        return 0;
    }

    private async Task ApplyAsync(JsonObject item, ObjectId id, CancellationToken cancellationToken)
    {
        var before = await client.GetAsync(id, cancellationToken);
        var after = await client.ApplyAsync(item, cancellationToken);
        var verb = before is null ? "created"
            : before["metadata"]?["resourceVersion"]?.ToString() == after["metadata"]?["resourceVersion"]?.ToString() ? "unchanged"
            : "configured";
        writer.Line($"{id.Display} {verb}");
    }

    /// <summary>Polls each object until its status says ready (null), printing a line whenever what is awaited changes.</summary>
    private async Task<bool> WaitAsync(List<ObjectId> ids, Func<JsonObject?, string?> notReady, DateTimeOffset deadline, TimeSpan waitTimeout, CancellationToken cancellationToken)
    {
        var lastMessage = "";
        foreach (var id in ids)
        {
            while (true)
            {
                var item = await client.GetAsync(id, cancellationToken);
                var message = item is null ? "not found" : notReady(item);
                if (message is null)
                {
                    writer.Ok($"{id.Display} {(id.Kind == "Deployment" ? "rolled out" : "established")}");
                    break;
                }

                if (time.GetUtcNow() >= deadline)
                {
                    writer.Fail($"timed out after {Mesh.Meshctl.Commands.DurationParsing.Format(waitTimeout)} waiting for {Describe(id)}: {message}",
                        id.Kind == "Deployment" ? $"conditions: {DeploymentRollout.Conditions(item)}; kubectl -n {id.Namespace} describe deployment {id.Name}" : null);
                    return false;
                }

                var line = $"waiting for {Describe(id)}: {message}";
                if (line != lastMessage)
                {
                    writer.Line(line);
                    lastMessage = line;
                }

                await Task.Delay(PollInterval, time, cancellationToken);
            }
        }

        return true;
    }

    private static string Describe(ObjectId id) =>
        $"{id.Kind.ToLowerInvariant()} {(id.Namespace.Length == 0 ? "" : id.Namespace + "/")}{id.Name}";

    private static string? CrdEstablished(JsonObject? crd)
    {
        foreach (var condition in crd?["status"]?["conditions"] as JsonArray ?? [])
        {
            if (condition?["type"]?.ToString() == "Established" && condition["status"]?.ToString() == "True")
            {
                return null;
            }
        }

        return "not Established yet";
    }
}
