using System.CommandLine;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Meshctl.Cluster;

namespace Mesh.Meshctl.Commands;

/// <summary>
/// `meshctl proxy-status`: what the control plane (local, or istiod's pod through a port-forward) sent each proxy and whether the proxy ACKed it, one line per
/// proxy like `istioctl proxy-status`, with the reason of any NACK below.
/// </summary>
internal static class ProxyStatusCommand
{
    public const int MonitoringPort = 15014;
    private static readonly string[] Types = ["cds", "lds", "eds", "rds"];

    public static Command Create()
    {
        var connection = new ClusterConnection();
        var controlPlane = new Option<Uri?>("--control-plane")
        {
            CustomParser = UriParsing.One,
            Description = "The control plane's HTTP address (its --http-port, e.g. http://127.0.0.1:15014 for `meshctl demo`); "
                + "without it, an app=istiod pod's 15014 through a port-forward",
        };
        var command = new Command("proxy-status", "Show, per proxy, whether it is SYNCED, STALE or NACKED for each config type")
        {
            controlPlane,
        };
        connection.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            if (result.GetValue(controlPlane) is { } url)
            {
                using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) };
                return await RunAsync(http, Console.Out, Console.Error, cancellationToken);
            }

            return await ClusterCommand.RunAsync("proxy-status", connection, result, Console.Error, async config =>
            {
                using var api = new KubeApi(config);
                JsonObject pod;
                try
                {
                    pod = await new PodLocator(api).FindAsync(ClusterCheck.SystemNamespace, "app=istiod", cancellationToken);
                }
                catch (ClusterException e)
                {
                    Console.Error.WriteLine($"meshctl proxy-status: {e.Message}");
                    return 1;
                }

                using var http = new PortForwarder(api, ClusterCheck.SystemNamespace, pod["metadata"]!["name"]!.ToString(), MonitoringPort)
                    .CreateHttpClient(TimeSpan.FromSeconds(10));
                return await RunAsync(http, Console.Out, Console.Error, cancellationToken);
            });
        });
        return command;
    }

    /// <summary>Reads /debug/syncz through <paramref name="controlPlane"/> (its BaseAddress is the control plane's HTTP port) and prints the table.</summary>
    public static async Task<int> RunAsync(HttpClient controlPlane, TextWriter output, TextWriter errors, CancellationToken cancellationToken)
    {
        try
        {
            output.Write(Render(await controlPlane.GetStringAsync("debug/syncz", cancellationToken)));
            return 0;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException or k8s.Autorest.HttpOperationException or System.Net.WebSockets.WebSocketException)
        {
            errors.WriteLine($"meshctl proxy-status: cannot reach the control plane at {controlPlane.BaseAddress}: {ErrorText.Of(e)}");
            return 1;
        }
    }

    /// <summary>Turns the control plane's /debug/syncz JSON into the table people read.</summary>
    internal static string Render(string syncz)
    {
        using var json = JsonDocument.Parse(syncz);
        // istiod's shape (an array); older control planes wrapped it in {"proxies": [...]}.
        var proxies = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement : json.RootElement.GetProperty("proxies");
        var table = new TextTable("NAME", "ROLE", "CDS", "LDS", "EDS", "RDS", "CONNECTED SINCE");
        var nacks = new StringBuilder();
        foreach (var proxy in proxies.EnumerateArray())
        {
            var id = proxy.GetProperty("id").GetString()!;
            var row = new List<string> { id, proxy.GetProperty("role").GetString()! };
            foreach (var type in Types)
            {
                var state = proxy.GetProperty("types").TryGetProperty(type, out var t) ? t : default;
                row.Add(state.ValueKind == JsonValueKind.Object ? state.GetProperty("status").GetString()! : "NOT SENT");
                if (state.ValueKind == JsonValueKind.Object && state.TryGetProperty("lastNack", out var nack) && nack.ValueKind != JsonValueKind.Null)
                {
                    nacks.AppendLine($"{id} NACKed {type}: {Describe(nack)}");
                }
            }

            row.Add(proxy.GetProperty("connectedSince").GetString()!);
            table.Add([.. row]);
        }

        return nacks.Length == 0 ? table.ToString() : table + Environment.NewLine + nacks;
    }

    private static string Describe(JsonElement nack) =>
        nack.ValueKind == JsonValueKind.Object && nack.TryGetProperty("message", out var message)
            ? message.GetString() ?? nack.GetRawText()
            : nack.GetRawText();
}
