using System.Text;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Analysis;

/// <summary>
/// istioctl analyze's match checks on one VirtualService's http, tcp and tls rules, in order: a match identical to one
/// of an earlier rule never matches (IST0131, Info); a rule whose matches all do, a rule after a rule without matches
/// (a catch-all), or a second rule without matches is never used (IST0130, Warning). Matches compare as written,
/// without their names.
/// </summary>
internal static class MatchCheck
{
    public static void Check(VirtualService virtualService, List<AnalysisMessage> messages)
    {
        var spec = virtualService.Spec;
        var http = new List<(string? Name, List<string> Matches)>(spec.Http.Count);
        foreach (var route in spec.Http) http.Add((route.Name, Keys(route.Match, HttpKey)));
        CheckRules(virtualService, "http", http, messages);

        var tcp = new List<(string? Name, List<string> Matches)>(spec.Tcp.Count);
        foreach (var route in spec.Tcp) tcp.Add((null, Keys(route.Match, TcpKey)));
        CheckRules(virtualService, "tcp", tcp, messages);

        var tls = new List<(string? Name, List<string> Matches)>(spec.Tls.Count);
        foreach (var route in spec.Tls) tls.Add((null, Keys(route.Match, TlsKey)));
        CheckRules(virtualService, "tls", tls, messages);
    }

    private static void CheckRules(VirtualService virtualService, string field, List<(string? Name, List<string> Matches)> rules, List<AnalysisMessage> messages)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var catchAll = -1;
        for (var rule = 0; rule < rules.Count; rule++)
        {
            var (name, matches) = rules[rule];
            var path = $"spec.{field}[{rule}]";
            if (matches.Count == 0)
            {
                if (catchAll >= 0) Unreachable(virtualService, path, RuleName(name, rule), "only the last rule can have no matches", messages);
                catchAll = rule;
                continue;
            }

            if (catchAll >= 0)
            {
                Unreachable(virtualService, path, RuleName(name, rule), "route without matches defined before", messages);
                continue;
            }

            var duplicates = 0;
            for (var m = 0; m < matches.Count; m++)
            {
                if (seen.TryGetValue(matches[m], out var earlier))
                {
                    messages.Add(AnalysisMessage.At(AnalysisMessageType.VirtualServiceIneffectiveMatch, virtualService, $"{path}.match[{m}]",
                        $"VirtualService rule {RuleName(name, rule)} match #{m} is not used (duplicate/overlapping match in rule {RuleName(rules[earlier].Name, earlier)})."));
                    duplicates++;
                }
                else
                {
                    seen[matches[m]] = rule;
                }
            }

            if (duplicates == matches.Count) Unreachable(virtualService, path, RuleName(name, rule), "all matches used by prior rules", messages);
        }
    }

    private static void Unreachable(VirtualService virtualService, string path, string rule, string reason, List<AnalysisMessage> messages) =>
        messages.Add(AnalysisMessage.At(AnalysisMessageType.VirtualServiceUnreachableRule, virtualService, path, $"VirtualService rule {rule} not used ({reason})."));

    private static List<string> Keys<T>(IReadOnlyList<T> matches, Func<T, string> key)
    {
        var keys = new List<string>(matches.Count);
        foreach (var match in matches) keys.Add(key(match));
        return keys;
    }

    private static string RuleName(string? name, int index) => string.IsNullOrEmpty(name) ? $"#{index}" : $"\"{name}\"";

    private static string HttpKey(HttpMatchRequest match)
    {
        var key = new StringBuilder();
        key.Append("uri=").Append(match.Uri).Append(";scheme=").Append(match.Scheme).Append(";method=").Append(match.Method)
            .Append(";authority=").Append(match.Authority).Append(";port=").Append(match.Port).Append(";ignoreUriCase=").Append(match.IgnoreUriCase)
            .Append(";sourceNamespace=").Append(match.SourceNamespace).Append(";statPrefix=").Append(match.StatPrefix);
        Map(key, "headers", match.Headers);
        Map(key, "queryParams", match.QueryParams);
        Map(key, "withoutHeaders", match.WithoutHeaders);
        Map(key, "sourceLabels", match.SourceLabels);
        key.Append(";gateways=").AppendJoin(',', match.Gateways);
        return key.ToString();
    }

    private static string TcpKey(L4MatchAttributes match)
    {
        var key = new StringBuilder();
        key.Append("port=").Append(match.Port).Append(";sourceSubnet=").Append(match.SourceSubnet).Append(";sourceNamespace=").Append(match.SourceNamespace)
            .Append(";destinationSubnets=").AppendJoin(',', match.DestinationSubnets).Append(";gateways=").AppendJoin(',', match.Gateways);
        Map(key, "sourceLabels", match.SourceLabels);
        return key.ToString();
    }

    private static string TlsKey(TlsMatchAttributes match)
    {
        var key = new StringBuilder();
        key.Append("port=").Append(match.Port).Append(";sniHosts=").AppendJoin(',', match.SniHosts).Append(";sourceNamespace=").Append(match.SourceNamespace)
            .Append(";destinationSubnets=").AppendJoin(',', match.DestinationSubnets).Append(";gateways=").AppendJoin(',', match.Gateways);
        Map(key, "sourceLabels", match.SourceLabels);
        return key.ToString();
    }

    private static void Map<T>(StringBuilder key, string name, IReadOnlyDictionary<string, T> map)
    {
        var keys = new List<string>(map.Keys);
        keys.Sort(StringComparer.Ordinal);
        key.Append(';').Append(name).Append('=');
        foreach (var entry in keys) key.Append(entry).Append(':').Append(map[entry]).Append(',');
    }
}
