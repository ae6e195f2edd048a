using System.Text.Json;
using Mesh.Meshctl.Local;

namespace Mesh.LoadTests.Scenarios;

/// <summary>
/// Rewrites a file of the local mesh's config folder (as an editor does: write aside, rename over it) and waits until
/// a proxy has ACKed a new version of its config and is SYNCED, read from the control plane's /debug/syncz.
/// </summary>
internal static class MeshConfigChange
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    public static async Task ApplyAsync(LocalMesh mesh, HttpClient client, string file, string content, string workload)
    {
        var before = await AckedVersionsAsync(mesh, client, workload);
        var path = Path.Combine(mesh.ConfigDir, file);
        File.WriteAllText(path + ".tmp~", content);
        File.Move(path + ".tmp~", path, overwrite: true);
        using var deadline = new CancellationTokenSource(Limit);
        while (true)
        {
            var now = await AckedVersionsAsync(mesh, client, workload);
            if (now.Synced && now.Versions != before.Versions)
            {
                return;
            }

            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"{workload} did not ACK the config of {file} within {Limit.TotalSeconds:0} s; the control plane said:\n{mesh.RecentOutput("control-plane")}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>The proxy's ACKed version of every type, joined, and whether it is SYNCED.</summary>
    private static async Task<(string Versions, bool Synced)> AckedVersionsAsync(LocalMesh mesh, HttpClient client, string workload)
    {
        using var syncz = JsonDocument.Parse(await client.GetStringAsync(new Uri(mesh.ControlPlaneUrl, "/debug/syncz")));
        foreach (var proxy in syncz.RootElement.EnumerateArray())
        {
            if (proxy.GetProperty("workload").GetString() != workload)
            {
                continue;
            }

            var versions = new List<string>();
            foreach (var type in proxy.GetProperty("types").EnumerateObject())
            {
                versions.Add(type.Name + "=" + (type.Value.TryGetProperty("ackedVersion", out var v) ? v.GetString() : "-"));
            }

            return (string.Join(',', versions), proxy.GetProperty("status").GetString() == "SYNCED");
        }

        return ("", false);
    }
}
