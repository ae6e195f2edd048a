using System.Text.Json.Nodes;
using Mesh.Meshctl.Cluster.Manifests;

namespace Mesh.Meshctl.Cluster;

/// <summary>
/// `meshctl uninstall`'s work: deletes what install applies (every profile's objects, so whichever was installed),
/// in reverse apply order, and waits until they are gone. The CRDs stay (users' Istio config lives in them) unless
/// purging, which also deletes the root-certificate ConfigMaps the control plane wrote into every namespace.
/// </summary>
internal sealed class Uninstaller(ResourceClient client, StepWriter writer, TimeProvider time)
{
    public const string RootCertConfigMap = "istio-ca-root-cert";
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public async Task<int> RunAsync(IReadOnlyList<JsonObject> objects, bool purge, TimeSpan waitTimeout, CancellationToken cancellationToken)
    {
        var deleted = new List<ObjectId>();
        try
        {
            for (var i = objects.Count - 1; i >= 0; i--)
            {
                var id = ObjectId.Of(objects[i]);
                if (id.Kind == "CustomResourceDefinition" && !purge)
                {
                    continue;
                }

                if (await client.DeleteAsync(id, cancellationToken))
                {
                    writer.Line($"{id.Display} deleted");
                    deleted.Add(id);
                }
            }

            var rootConfigMaps = purge ? await DeleteRootConfigMapsAsync(cancellationToken) : 0;
            if (deleted.Count == 0 && rootConfigMaps == 0)
            {
                writer.Ok("nothing is installed");
                return 0;
            }

            if (!await WaitGoneAsync([.. deleted], waitTimeout, cancellationToken))
            {
                return 1;
            }
        }
        catch (ClusterException e)
        {
            writer.Fail(e.Message);
            return 1;
        }

        writer.Ok(purge ? $"uninstalled {deleted.Count} objects and the CRDs" : $"uninstalled {deleted.Count} objects (the CRDs stay: --purge removes them and the Istio config in them)");
        return 0;
    }

    private async Task<int> DeleteRootConfigMapsAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var configMap in await client.ListAsync($"/api/v1/configmaps?fieldSelector=metadata.name%3D{RootCertConfigMap}", cancellationToken))
        {
            var ns = configMap?["metadata"]?["namespace"]?.ToString() ?? "";
            if (await client.DeleteAsync(new ObjectId("v1", "ConfigMap", ns, RootCertConfigMap), cancellationToken))
            {
                count++;
            }
        }

        if (count > 0)
        {
            writer.Line($"configmap/{RootCertConfigMap} deleted in {count} namespaces");
        }

        return count;
    }

    private async Task<bool> WaitGoneAsync(List<ObjectId> ids, TimeSpan waitTimeout, CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + waitTimeout;
        var lastLine = "";
        while (true)
        {
            var remaining = new List<string>();
            foreach (var id in ids)
            {
                if (await client.GetAsync(id, cancellationToken) is not null)
                {
                    remaining.Add(id.Display);
                }
            }

            if (remaining.Count == 0)
            {
                return true;
            }

            var names = string.Join(", ", remaining.Take(5)) + (remaining.Count > 5 ? $" and {remaining.Count - 5} more" : "");
            if (time.GetUtcNow() >= deadline)
            {
                writer.Fail($"timed out after {Mesh.Meshctl.Commands.DurationParsing.Format(waitTimeout)} waiting for deletion of {names}",
                    "finalizers may hold them: kubectl get <kind> <name> -o jsonpath='{.metadata.finalizers}'");
                return false;
            }

            var line = $"waiting for {remaining.Count} objects to be deleted: {names}";
            if (line != lastLine)
            {
                writer.Line(line);
                lastLine = line;
            }

            ids.RemoveAll(id => !remaining.Contains(id.Display));
            await Task.Delay(PollInterval, time, cancellationToken);
        }
    }
}
