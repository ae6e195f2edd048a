using System.Text;
using System.Text.Json;

namespace Mesh.Meshctl.Commands;

/// <summary>
/// Answers "is traffic from A to B mutual TLS, and who is the peer?" from config dumps: the client's cluster TLS
/// (mode, auto or DestinationRule, the identities it expects), each endpoint's inbound listener mode on the server,
/// and the identity the server's certificate actually carries (its /certs).
/// </summary>
internal static class TlsCheck
{
    /// <summary>A destination proxy as the check sees it: its config dump and its /certs.</summary>
    internal sealed record Peer(string ConfigDump, string Certs);

    public static string Render(string sourceConfigDump, IReadOnlyList<Peer> peers, string? host)
    {
        using var source = JsonDocument.Parse(sourceConfigDump);
        var inbound = IndexInboundListeners(peers);
        var rows = new List<string[]> { new[] { "CLUSTER", "CLIENT", "ENDPOINT", "SERVER", "PEER IDENTITY", "RESULT" } };
        var endpointsByCluster = EndpointsByCluster(source.RootElement);
        foreach (var cluster in Resources(source.RootElement, "cds"))
        {
            var name = cluster.GetProperty("name").GetString()!;
            if (!name.StartsWith("outbound|", StringComparison.Ordinal)) continue;
            if (host is not null && !name.EndsWith("|" + host, StringComparison.Ordinal) && !name.Contains("|" + host + ".", StringComparison.Ordinal)) continue;

            var (client, expected) = ClientTls(cluster);
            var endpoints = endpointsByCluster.GetValueOrDefault(name) ?? [];
            if (endpoints.Count == 0) rows.Add([name, client, "-", "-", "-", "no endpoints"]);
            foreach (var endpoint in endpoints)
            {
                (string Mode, string Identity)? server = inbound.TryGetValue(endpoint, out var found) ? found : null;
                rows.Add([name, client, endpoint, server?.Mode ?? "?", server?.Identity ?? "?", Verdict(client, expected, server)]);
            }
        }

        return Table(rows);
    }

    private static string Verdict(string client, IReadOnlyList<string> expected, (string Mode, string Identity)? server)
    {
        var mutual = client.StartsWith("ISTIO_MUTUAL", StringComparison.Ordinal);
        if (server is not { } s) return mutual ? "mTLS expected (server unknown: pass its admin address with --to)" : "plaintext (server unknown)";
        if (mutual)
        {
            if (s.Mode is "DISABLE" or "PLAINTEXT") return "CONFLICT: client sends mTLS, server accepts plaintext only";
            if (expected.Count > 0 && !expected.Contains(s.Identity)) return $"CONFLICT: server is {s.Identity}, client expects {string.Join(" or ", expected)}";
            return $"mTLS, peer {s.Identity}";
        }

        if (client.StartsWith("SIMPLE", StringComparison.Ordinal) || client.StartsWith("MUTUAL", StringComparison.Ordinal)) return "TLS origination (outside service)";
        return s.Mode == "STRICT" ? "CONFLICT: client sends plaintext, server is STRICT" : "plaintext";
    }

    private static (string Client, IReadOnlyList<string> Expected) ClientTls(JsonElement cluster)
    {
        if (!cluster.TryGetProperty("tls", out var tls)) return ("DISABLE", []);
        var mode = tls.TryGetProperty("mode", out var m) ? m.GetString()!.Replace("UPSTREAM_TLS_MODE_", "") : "DISABLE";
        var auto = tls.TryGetProperty("auto", out var a) && a.GetBoolean();
        var expected = new List<string>();
        if (tls.TryGetProperty("subjectAltNames", out var sans))
        {
            foreach (var san in sans.EnumerateArray()) expected.Add(san.GetString()!);
        }

        return (auto ? mode + " (auto)" : mode, expected);
    }

    /// <summary>"address:port" of every sidecar inbound listener → its mode and the identity its certificate carries.</summary>
    private static Dictionary<string, (string Mode, string Identity)> IndexInboundListeners(IReadOnlyList<Peer> peers)
    {
        var index = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (var peer in peers)
        {
            using var dump = JsonDocument.Parse(peer.ConfigDump);
            using var certs = JsonDocument.Parse(peer.Certs);
            var identity = certs.RootElement.TryGetProperty("identity", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString()! : "none (plaintext only)";
            foreach (var listener in Resources(dump.RootElement, "lds"))
            {
                if (!listener.GetProperty("name").GetString()!.StartsWith("virtualInbound_", StringComparison.Ordinal)) continue;
                var mode = listener.TryGetProperty("tlsMode", out var m) ? m.GetString()!.Replace("INBOUND_TLS_MODE_", "") : "PLAINTEXT";
                index[$"{listener.GetProperty("address").GetString()}:{listener.GetProperty("port").GetUInt32()}"] = (mode, identity);
            }
        }

        return index;
    }

    private static Dictionary<string, List<string>> EndpointsByCluster(JsonElement dump)
    {
        var result = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var assignment in Resources(dump, "eds"))
        {
            var list = new List<string>();
            if (assignment.TryGetProperty("endpoints", out var endpoints))
            {
                foreach (var endpoint in endpoints.EnumerateArray())
                {
                    list.Add($"{endpoint.GetProperty("address").GetString()}:{endpoint.GetProperty("port").GetUInt32()}");
                }
            }

            result[assignment.GetProperty("clusterName").GetString()!] = list;
        }

        return result;
    }

    private static IEnumerable<JsonElement> Resources(JsonElement dump, string type) =>
        dump.GetProperty("configs").GetProperty(type).GetProperty("resources").EnumerateArray();

    private static string Table(List<string[]> rows)
    {
        var widths = new int[rows[0].Length];
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++) widths[i] = Math.Max(widths[i], row[i].Length);
        }

        var text = new StringBuilder();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Length; i++)
            {
                text.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }

            text.Append('\n');
        }

        return text.ToString();
    }
}
