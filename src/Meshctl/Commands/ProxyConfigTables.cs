using System.Globalization;
using System.Text.Json.Nodes;

namespace Mesh.Meshctl.Commands;

/// <summary>
/// `meshctl proxy-config`'s tables, istioctl's shape, from the proxy's admin endpoints: clusters, listeners, routes and
/// endpoints from /config_dump (the snapshot the proxy serves), secrets from /certs.
/// </summary>
internal static class ProxyConfigTables
{
    /// <summary>The config_dump section of each type istioctl names (cds, lds, rds, eds).</summary>
    public static string Section(string type) => type switch
    {
        "cluster" => "cds",
        "listener" => "lds",
        "route" => "rds",
        "endpoint" => "eds",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a config_dump section"),
    };

    public static JsonArray Resources(JsonNode configDump, string type) =>
        configDump["configs"]?[Section(type)]?["resources"] as JsonArray ?? [];

    public static string Render(string type, JsonNode configDump) => type switch
    {
        "cluster" => Clusters(Resources(configDump, type)),
        "listener" => Listeners(Resources(configDump, type)),
        "route" => Routes(Resources(configDump, type)),
        "endpoint" => Endpoints(Resources(configDump, type)),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a config_dump section"),
    };

    public static string Clusters(JsonArray clusters)
    {
        var table = new TextTable("SERVICE FQDN", "PORT", "SUBSET", "DIRECTION", "NAME");
        foreach (var cluster in clusters)
        {
            var name = Text(cluster?["name"]);
            var direction = name.IndexOf('|') is var bar and > 0 ? name[..bar] : "-";
            table.Add(Or(Text(cluster?["serviceHost"])), Or(Text(cluster?["servicePort"])), Or(Text(cluster?["subset"])), direction, name);
        }

        return table.ToString();
    }

    public static string Listeners(JsonArray listeners)
    {
        var table = new TextTable("NAME", "ADDRESS", "PORT", "DESTINATION");
        foreach (var listener in listeners)
        {
            table.Add(Text(listener?["name"]), Or(Text(listener?["address"])), Or(Text(listener?["port"])), Destination(listener));
        }

        return table.ToString();
    }

    public static string Routes(JsonArray routeConfigurations)
    {
        var table = new TextTable("NAME", "VHOST NAME", "DOMAINS", "MATCH", "VIRTUAL SERVICE");
        foreach (var configuration in routeConfigurations)
        {
            foreach (var host in configuration?["virtualHosts"] as JsonArray ?? [])
            {
                var domains = host?["domains"] as JsonArray ?? [];
                var shown = domains.Count <= 3 ? string.Join(", ", domains.Select(Text)) : $"{string.Join(", ", domains.Take(2).Select(Text))} + {domains.Count - 2} more...";
                foreach (var route in host?["routes"] as JsonArray ?? [])
                {
                    var origin = route?["origin"];
                    var virtualService = origin?["virtualService"] is { } vs ? $"{vs}.{Text(origin["namespace"])}" : "404";
                    table.Add(Text(configuration?["name"]), Text(host?["name"]), shown, Match(route?["match"]), virtualService);
                }
            }
        }

        return table.ToString();
    }

    public static string Endpoints(JsonArray assignments)
    {
        var table = new TextTable("ENDPOINT", "WEIGHT", "LOCALITY", "CLUSTER");
        foreach (var assignment in assignments)
        {
            foreach (var endpoint in assignment?["endpoints"] as JsonArray ?? [])
            {
                table.Add($"{Text(endpoint?["address"])}:{Text(endpoint?["port"])}", Or(Text(endpoint?["weight"])), Or(Text(endpoint?["locality"])), Text(assignment?["clusterName"]));
            }
        }

        return table.ToString();
    }

    /// <summary>From /certs: the workload's chain (istioctl's `default`) and each trust-bundle root (`ROOTCA`).</summary>
    public static string Secrets(JsonNode certs, DateTimeOffset now)
    {
        var table = new TextTable("RESOURCE NAME", "TYPE", "STATUS", "VALID CERT", "SERIAL NUMBER", "NOT AFTER", "NOT BEFORE");
        if (certs["certificate"] is { } leaf)
        {
            table.Add(Row("default", "Cert Chain", leaf, now));
        }

        foreach (var root in certs["trust_bundle"] as JsonArray ?? [])
        {
            table.Add(Row("ROOTCA", "CA", root!, now));
        }

        return table.Count == 0 ? $"no certificates: {Text(certs["status"])}\n" : table.ToString();

        static string[] Row(string name, string type, JsonNode certificate, DateTimeOffset now)
        {
            var notBefore = DateTimeOffset.Parse(Text(certificate["not_before"]), CultureInfo.InvariantCulture);
            var notAfter = DateTimeOffset.Parse(Text(certificate["not_after"]), CultureInfo.InvariantCulture);
            var valid = now >= notBefore && now < notAfter;
            return [name, type, valid ? "ACTIVE" : "EXPIRED", valid ? "true" : "false", Text(certificate["serial"]).ToLowerInvariant(),
                notAfter.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture), notBefore.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)];
        }
    }

    private static string Destination(JsonNode? listener)
    {
        if (Text(listener?["routeConfigName"]) is { Length: > 0 } route)
        {
            return "Route: " + route;
        }

        if (listener?["tcpClusters"] is JsonArray { Count: > 0 } clusters)
        {
            return "Cluster: " + string.Join(", ", clusters.Select(c => Text(c?["name"])));
        }

        if (listener?["sniRoutes"] is JsonArray { Count: > 0 } sni)
        {
            return $"SNI: {sni.Count} routes";
        }

        return listener?["useOriginalDst"]?.GetValue<bool>() == true ? "original destination" : "-";
    }

    private static string Match(JsonNode? match)
    {
        var path = match?["path"];
        var text = path?["exact"] is { } exact ? Text(exact)
            : path?["prefix"] is { } prefix ? Text(prefix) + "*"
            : path?["regex"] is { } regex ? "regex " + Text(regex)
            : "/*";
        return match?["headers"] is JsonArray { Count: > 0 } headers ? $"{text} (+{headers.Count} headers)" : text;
    }

    private static string Text(JsonNode? node) => node?.ToString() ?? "";

    private static string Or(string text) => text.Length == 0 ? "-" : text;
}
