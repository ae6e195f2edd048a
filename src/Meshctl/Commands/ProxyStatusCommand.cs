using System.CommandLine;
using System.Text;
using System.Text.Json;

namespace Mesh.Meshctl.Commands;

/// <summary>
/// `meshctl proxy-status`: what the control plane sent each proxy and whether the proxy ACKed it, one line per
/// proxy like `istioctl proxy-status`, with the reason of any NACK below.
/// </summary>
internal static class ProxyStatusCommand
{
    private static readonly string[] Types = ["cds", "lds", "eds", "rds"];

    public static Command Create()
    {
        var controlPlane = new Option<Uri>("--control-plane")
        {
            CustomParser = result => UriParsing.One(result)!,
            Description = "The control plane's HTTP address (its --http-port)",
            DefaultValueFactory = _ => new Uri("http://127.0.0.1:15014"),
        };
        var command = new Command("proxy-status", "Show, per proxy, whether it is SYNCED, STALE or NACKED for each config type")
        {
            controlPlane,
        };
        command.SetAction(async (result, cancellationToken) =>
        {
            using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            var url = new Uri(result.GetValue(controlPlane)!, "/debug/syncz");
            try
            {
                Console.Write(Render(await client.GetStringAsync(url, cancellationToken)));
                return 0;
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"meshctl proxy-status: cannot reach the control plane at {url}: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    /// <summary>Turns the control plane's /debug/syncz JSON into the table people read.</summary>
    internal static string Render(string syncz)
    {
        using var json = JsonDocument.Parse(syncz);
        // istiod's shape (an array); older control planes wrapped it in {"proxies": [...]}.
        var proxies = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement : json.RootElement.GetProperty("proxies");
        var rows = new List<string[]> { new[] { "NAME", "ROLE", "CDS", "LDS", "EDS", "RDS", "CONNECTED SINCE" } };
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
            rows.Add([.. row]);
        }

        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var table = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                table.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            table.AppendLine();
        }

        return nacks.Length == 0 ? table.ToString() : table.AppendLine().Append(nacks).ToString();
    }

    private static string Describe(JsonElement nack) =>
        nack.ValueKind == JsonValueKind.Object && nack.TryGetProperty("message", out var message)
            ? message.GetString() ?? nack.GetRawText()
            : nack.GetRawText();
}
