using System.Net;
using System.Text.RegularExpressions;
using Mesh.Istio.Loading;

namespace Mesh.Istio.Validation;

/// <summary>Rules shared by several kinds: ports, durations, percentages, regular expressions, selectors, exportTo, addresses.</summary>
internal static class CommonRules
{
    public const string PortRangeMessage = "port must be between 1-65535";

    public static void Port(uint? port, string path, FieldProblems p)
    {
        if (port is { } value && value is 0 or > 65535)
        {
            p.Error(path, $"Invalid value: {value}: {PortRangeMessage}");
        }
    }

    /// <summary>Istio's ValidateDuration: at least 1ms, in whole milliseconds.</summary>
    public static void Duration(TimeSpan? duration, string path, FieldProblems p)
    {
        if (duration is not { } value)
        {
            return;
        }

        if (value < TimeSpan.FromMilliseconds(1))
        {
            p.Error(path, $"Invalid value: \"{IstioDuration.Format(value)}\": duration must be greater than 1ms");
        }
        else if (value.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            p.Error(path, $"Invalid value: \"{IstioDuration.Format(value)}\": only durations to ms precision are supported");
        }
    }

    public static void Percentage(double? value, string path, FieldProblems p)
    {
        if (value is { } v && (v < 0 || v > 100 || double.IsNaN(v)))
        {
            p.Error(path, $"Invalid value: {v}: percentage must be in range 0..100");
        }
    }

    public static void StringMatch(StringMatch? match, string path, FieldProblems p)
    {
        if (match is { Type: StringMatchType.Regex } regex)
        {
            Regex(regex.Value, FieldPaths.Field(path, "regex"), p);
        }
    }

    /// <summary>Envoy evaluates RE2; .NET's non-backtracking engine accepts nearly the same language and rejects what RE2 lacks (lookarounds, backreferences).</summary>
    public static void Regex(string pattern, string path, FieldProblems p)
    {
        // RE2 spells named groups (?P<name>...), which .NET does not know.
        var dotnet = pattern.Replace("(?P<", "(?<", StringComparison.Ordinal);
        try
        {
            _ = new Regex(dotnet, RegexOptions.NonBacktracking | RegexOptions.CultureInvariant);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            p.Error(path, $"Invalid value: \"{pattern}\": \"{pattern}\" is not a valid RE2 regex: {e.Message}");
        }
    }

    /// <summary>Label selectors: valid keys and values, and no wildcard values (Istio cannot select by wildcard).</summary>
    /// <summary>The one kind of targetRef this mesh resolves: a Gateway API Gateway, found by Istio's gateway-name label.</summary>
    public const string GatewayGroup = "gateway.networking.k8s.io";

    public const string GatewayKind = "Gateway";

    /// <summary>
    /// How a workload policy (AuthorizationPolicy, RequestAuthentication) chooses its workloads: at most one of selector,
    /// targetRef and targetRefs, and a target can only be a Gateway (Istio targets Services and ServiceEntries through
    /// waypoints, which this mesh has not: refused, not left to select nothing).
    /// </summary>
    public static void PolicyTargets(LabelSelector? selector, PolicyTargetReference? targetRef, IReadOnlyList<PolicyTargetReference> targetRefs, FieldProblems p)
    {
        var targets = (selector is null ? 0 : 1) + (targetRef is null ? 0 : 1) + (targetRefs.Count > 0 ? 1 : 0);
        if (targets > 1)
        {
            p.Error("spec", "Invalid value: only one of targetRefs, targetRef or workloadSelector can be set");
        }

        if (selector is not null)
        {
            Selector(selector.MatchLabels, "spec.selector.matchLabels", p);
        }

        if (targetRef is not null)
        {
            TargetRef(targetRef, "spec.targetRef", p);
        }

        for (var i = 0; i < targetRefs.Count; i++)
        {
            TargetRef(targetRefs[i], FieldPaths.Index("spec.targetRefs", i), p);
        }
    }

    private static void TargetRef(PolicyTargetReference target, string path, FieldProblems p)
    {
        if (target.Group != GatewayGroup || target.Kind != GatewayKind)
        {
            p.Error(path, $"Unsupported value: {target.Group}/{target.Kind} \"{target.Name}\": this mesh applies targetRefs to a Gateway only (group {GatewayGroup}, kind {GatewayKind}); select other workloads with selector");
        }
        else if (target.Name.Length == 0)
        {
            p.Error(FieldPaths.Field(path, "name"), "Required value: targetRef name cannot be empty");
        }
    }

    public static void Selector(IReadOnlyDictionary<string, string> labels, string path, FieldProblems p)
    {
        foreach (var (key, value) in labels)
        {
            var entry = FieldPaths.Key(path, key);
            if (value.Contains('*'))
            {
                p.Error(entry, $"Invalid value: \"{value}\": wildcard is not supported in selector");
                continue;
            }

            Labels(key, value, entry, p);
        }
    }

    public static void Labels(IReadOnlyDictionary<string, string> labels, string path, FieldProblems p)
    {
        foreach (var (key, value) in labels)
        {
            Labels(key, value, FieldPaths.Key(path, key), p);
        }
    }

    public static void ExportTo(IReadOnlyList<string> exportTo, string path, FieldProblems p)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < exportTo.Count; i++)
        {
            var value = exportTo[i];
            var entry = FieldPaths.Index(path, i);
            if (!seen.Add(value))
            {
                p.Error(entry, $"Duplicate value: \"{value}\": duplicate entries in exportTo");
            }
            else if (value is not ("." or "*" or "~") && !IstioNameRules.IsDns1123Label(value))
            {
                p.Error(entry, $"Invalid value: \"{value}\": only '.', '*', '~' or a namespace name allowed in exportTo");
            }
        }

        if (exportTo.Count > 1 && (seen.Contains("*") || seen.Contains("~")))
        {
            p.Error(path, "Invalid value: exportTo '*' or '~' cannot be combined with other values");
        }
    }

    public static bool IsIp(string value) => IPAddress.TryParse(value, out _) && !value.Contains('/');

    public static bool IsIpOrCidr(string value)
    {
        var slash = value.IndexOf('/');
        if (slash < 0)
        {
            return IPAddress.TryParse(value, out _);
        }

        // Like Go's netip.ParsePrefix, host bits may be set ("1.2.3.4/16").
        return IPAddress.TryParse(value.AsSpan(0, slash), out var address)
            && int.TryParse(value.AsSpan(slash + 1), out var bits)
            && bits >= 0 && bits <= (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
    }

    private static void Labels(string key, string value, string path, FieldProblems p)
    {
        if (IstioNameRules.CheckLabelKey(key) is { } keyError)
        {
            p.Error(path, "Invalid value: " + keyError);
        }
        else if (IstioNameRules.CheckLabelValue(key, value) is { } valueError)
        {
            p.Error(path, "Invalid value: " + valueError);
        }
    }
}
