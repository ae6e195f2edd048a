using System.Globalization;

namespace Mesh.Proxy.Capture;

/// <summary>
/// Parses <c>mesh-proxy iptables</c>'s flags: Istio's istio-iptables flags, long and short names alike
/// (tools/istio-iptables/pkg/cmd/root.go), with its defaults. What we cannot honour is refused by name, never ignored.
/// </summary>
internal static class CaptureCommandLine
{
    public const string Usage = """
        capture the pod's traffic with iptables (the istio-init container; Istio's istio-iptables flags):
          Mesh.Proxy iptables [-p|--envoy-port 15001] [-z|--inbound-capture-port 15006] [-e|--inbound-tunnel-port 15008]
                              [-u|--proxy-uid UID,...] [-g|--proxy-gid GID,...] [-m|--istio-inbound-interception-mode REDIRECT]
                              [-b|--istio-inbound-ports PORTS|*] [-d|--istio-local-exclude-ports PORTS]
                              [-i|--istio-service-cidr CIDRS|*] [-x|--istio-service-exclude-cidr CIDRS]
                              [-q|--istio-outbound-ports PORTS] [-o|--istio-local-outbound-ports-exclude PORTS]
                              [-k|--kube-virt-interfaces NICS] [-c|--istio-exclude-interfaces NICS]
                              [--drop-invalid] [--dual-stack] [--force-iptables-binary legacy|nft]
                              [-n|--dry-run] [--cleanup-only|--cleanup]
          env: ISTIO_OUTBOUND_OWNER_GROUPS (default *), ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE,
               ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR (default 127.0.0.1/32), ENVOY_USER (the default -u, else 1337)
        """;

    private static readonly Dictionary<string, string> ShortNames = new(StringComparer.Ordinal)
    {
        ["-p"] = "envoy-port", ["-z"] = "inbound-capture-port", ["-e"] = "inbound-tunnel-port", ["-u"] = "proxy-uid",
        ["-g"] = "proxy-gid", ["-m"] = "istio-inbound-interception-mode", ["-b"] = "istio-inbound-ports",
        ["-d"] = "istio-local-exclude-ports", ["-c"] = "istio-exclude-interfaces", ["-i"] = "istio-service-cidr",
        ["-x"] = "istio-service-exclude-cidr", ["-q"] = "istio-outbound-ports", ["-o"] = "istio-local-outbound-ports-exclude",
        ["-k"] = "kube-virt-interfaces", ["-t"] = "istio-inbound-tproxy-mark", ["-r"] = "istio-inbound-tproxy-route-table",
        ["-n"] = "dry-run",
    };

    private static readonly HashSet<string> ValueFlags = new(StringComparer.Ordinal)
    {
        "envoy-port", "inbound-capture-port", "inbound-tunnel-port", "proxy-uid", "proxy-gid", "istio-inbound-interception-mode",
        "istio-inbound-ports", "istio-local-exclude-ports", "istio-exclude-interfaces", "istio-service-cidr",
        "istio-service-exclude-cidr", "istio-outbound-ports", "istio-local-outbound-ports-exclude", "kube-virt-interfaces",
        "force-iptables-binary",
    };

    private static readonly HashSet<string> SwitchFlags = new(StringComparer.Ordinal)
    {
        "dry-run", "drop-invalid", "dual-stack", "cleanup-only", "cleanup",
    };

    /// <summary>Istio's flags we do not implement, and why: given, they are refused (a switch only when turned on).</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.Ordinal)
    {
        ["istio-inbound-tproxy-mark"] = "TPROXY interception is not supported (only REDIRECT)",
        ["istio-inbound-tproxy-route-table"] = "TPROXY interception is not supported (only REDIRECT)",
        ["redirect-dns"] = "DNS capture is not supported: the proxy has no DNS proxy on 15053",
        ["capture-all-dns"] = "DNS capture is not supported: the proxy has no DNS proxy on 15053",
        ["iptables-trace-logging"] = "trace logging (NFLOG rules) is not supported",
        ["run-validation"] = "the validation mode (istio-validation with the CNI) is not supported",
        ["skip-rule-apply"] = "the CNI's skip-rule-apply mode is not supported",
        ["cni-mode"] = "the CNI mode is not supported",
        ["network-namespace"] = "entering another network namespace is not supported: run the command inside it",
        ["native-nftables"] = "native nftables rules are not supported: the iptables-nft backend is used where it is the system's",
        ["reconcile"] = "not needed: every run replaces the previous rules (see docs/capture.md)",
        ["force-apply"] = "not needed: every run replaces the previous rules (see docs/capture.md)",
    };

    /// <summary>The parsed run, or null with <paramref name="error"/> saying what is wrong. args[0] is "iptables".</summary>
    public static CaptureInvocation? TryParse(IReadOnlyList<string> args, Func<string, string?> environment, out string error)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var switches = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Count; i++)
        {
            var arg = args[i];
            string name;
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
            {
                var equals = arg.IndexOf('=');
                name = equals < 0 ? arg[2..] : arg[2..equals];
                inline = equals < 0 ? null : arg[(equals + 1)..];
            }
            else if (arg.Length >= 2 && arg[0] == '-' && ShortNames.TryGetValue(arg[..2], out var longName))
            {
                name = longName;
                inline = arg.Length > 2 ? arg[2..].TrimStart('=') : null;
            }
            else
            {
                error = $"unexpected argument '{arg}'";
                return null;
            }

            if (Refused.TryGetValue(name, out var reason))
            {
                if (ValueFlags.Contains(name) || inline is null || inline != "false")
                {
                    error = $"--{name}: {reason}";
                    return null;
                }

                continue;
            }

            if (SwitchFlags.Contains(name))
            {
                if (inline is not (null or "true" or "false"))
                {
                    error = $"--{name}={inline}: expected true or false";
                    return null;
                }

                if (inline != "false")
                {
                    switches.Add(name == "cleanup" ? "cleanup-only" : name);
                }

                continue;
            }

            if (!ValueFlags.Contains(name))
            {
                error = $"unknown option '{arg}'";
                return null;
            }

            if (inline is null)
            {
                if (i + 1 >= args.Count)
                {
                    error = $"option '{arg}' needs a value";
                    return null;
                }

                inline = args[++i];
            }

            values[name] = inline;
        }

        return Build(values, switches, environment, out error);
    }

    private static CaptureInvocation? Build(Dictionary<string, string> values, HashSet<string> switches, Func<string, string?> environment, out string error)
    {
        var mode = values.GetValueOrDefault("istio-inbound-interception-mode", "");
        if (mode is not ("" or "REDIRECT"))
        {
            error = mode == "TPROXY"
                ? "--istio-inbound-interception-mode TPROXY: TPROXY interception is not supported (only REDIRECT)"
                : $"--istio-inbound-interception-mode '{mode}': expected REDIRECT (or TPROXY, which is not supported)";
            return null;
        }

        var uid = values.GetValueOrDefault("proxy-uid") ?? DefaultProxyUid(environment);
        var config = new CaptureConfig
        {
            ProxyPort = values.GetValueOrDefault("envoy-port", "15001"),
            InboundCapturePort = values.GetValueOrDefault("inbound-capture-port", "15006"),
            InboundTunnelPort = values.GetValueOrDefault("inbound-tunnel-port", "15008"),
            ProxyUid = uid,
            ProxyGid = values.GetValueOrDefault("proxy-gid") ?? uid,
            InboundPortsInclude = values.GetValueOrDefault("istio-inbound-ports", "").Trim(),
            InboundPortsExclude = values.GetValueOrDefault("istio-local-exclude-ports", ""),
            OutboundPortsInclude = values.GetValueOrDefault("istio-outbound-ports", ""),
            OutboundPortsExclude = values.GetValueOrDefault("istio-local-outbound-ports-exclude", ""),
            OutboundIpRangesInclude = values.GetValueOrDefault("istio-service-cidr", ""),
            OutboundIpRangesExclude = values.GetValueOrDefault("istio-service-exclude-cidr", ""),
            RerouteVirtualInterfaces = values.GetValueOrDefault("kube-virt-interfaces", ""),
            ExcludeInterfaces = values.GetValueOrDefault("istio-exclude-interfaces", ""),
            OwnerGroupsInclude = environment("ISTIO_OUTBOUND_OWNER_GROUPS") ?? "*",
            OwnerGroupsExclude = environment("ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE") ?? "",
            HostIpv4LoopbackCidr = environment("ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR") ?? "127.0.0.1/32",
            DropInvalid = switches.Contains("drop-invalid"),
        };

        var backend = values.GetValueOrDefault("force-iptables-binary");
        if (backend is not (null or "legacy" or "nft"))
        {
            error = $"--force-iptables-binary '{backend}': expected legacy or nft";
            return null;
        }

        if (!Validate(config, out error))
        {
            return null;
        }

        return new CaptureInvocation(config, switches.Contains("dry-run"), switches.Contains("cleanup-only"), switches.Contains("dual-stack"), backend);
    }

    private static bool Validate(CaptureConfig config, out string error)
    {
        (string Flag, string Value)[] singlePorts =
        [
            ("--envoy-port", config.ProxyPort), ("--inbound-capture-port", config.InboundCapturePort),
            ("--inbound-tunnel-port", config.InboundTunnelPort),
        ];
        foreach (var (flag, value) in singlePorts)
        {
            if (!CaptureLists.IsPort(value))
            {
                error = $"{flag} '{value}': expected a port number 1-65535";
                return false;
            }
        }

        (string Flag, string Value)[] portLists =
        [
            ("--istio-local-exclude-ports", config.InboundPortsExclude), ("--istio-outbound-ports", config.OutboundPortsInclude),
            ("--istio-local-outbound-ports-exclude", config.OutboundPortsExclude),
        ];
        if (config.InboundPortsInclude != "*")
        {
            portLists = [.. portLists, ("--istio-inbound-ports", config.InboundPortsInclude)];
        }

        foreach (var (flag, value) in portLists)
        {
            if (!CaptureLists.TryPorts(value, out var why))
            {
                error = $"{flag} '{value}': {why}";
                return false;
            }
        }

        if (!CaptureLists.TryRanges(config.OutboundIpRangesInclude, out _, out var rangeError))
        {
            error = $"--istio-service-cidr '{config.OutboundIpRangesInclude}': {rangeError}";
            return false;
        }

        if (!CaptureLists.TryRanges(config.OutboundIpRangesExclude, out var excluded, out rangeError) || excluded.Wildcard)
        {
            error = $"--istio-service-exclude-cidr '{config.OutboundIpRangesExclude}': {(excluded.Wildcard ? "'*' cannot be excluded" : rangeError)}";
            return false;
        }

        (string Flag, string Value, int MaxLength)[] names =
        [
            ("--proxy-uid", config.ProxyUid, 32), ("--proxy-gid", config.ProxyGid, 32),
            ("--kube-virt-interfaces", config.RerouteVirtualInterfaces, 15), ("--istio-exclude-interfaces", config.ExcludeInterfaces, 15),
            ("ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE", config.OwnerGroupsExclude, 32),
        ];
        if (config.OwnerGroupsInclude != "*")
        {
            names = [.. names, ("ISTIO_OUTBOUND_OWNER_GROUPS", config.OwnerGroupsInclude, 32)];
        }

        foreach (var (flag, value, maxLength) in names)
        {
            if (!CaptureLists.TryNames(value, maxLength, out var why))
            {
                error = $"{flag} '{value}': {why}";
                return false;
            }
        }

        // Istio's limit: the included groups become one rule, and a rule holds only so many matches.
        if (config.OwnerGroupsInclude != "*" && CaptureLists.Split(config.OwnerGroupsInclude).Count > 64)
        {
            error = "ISTIO_OUTBOUND_OWNER_GROUPS: at most 64 groups";
            return false;
        }

        return ValidateLoopback(config.HostIpv4LoopbackCidr, out error);
    }

    private static bool ValidateLoopback(string cidr, out string error)
    {
        error = string.Empty;
        if (!CaptureLists.TryRanges(cidr, out var ranges, out _) || ranges.Wildcard || ranges.V4.Count != 1 || ranges.V6.Count != 0
            || !ranges.V4HasLoopback)
        {
            error = $"ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR '{cidr}': expected one IPv4 loopback CIDR (e.g. 127.0.0.1/32)";
            return false;
        }

        var bits = int.Parse(ranges.V4[0].AsSpan(ranges.V4[0].IndexOf('/') + 1), CultureInfo.InvariantCulture);
        if (bits is < 8 or > 32)
        {
            error = $"ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR '{cidr}': expected a mask of 8 to 32 bits";
            return false;
        }

        return true;
    }

    /// <summary>Istio's default -u: the uid of ENVOY_USER (istio-proxy) when the image has that user, else 1337.</summary>
    private static string DefaultProxyUid(Func<string, string?> environment)
    {
        var user = environment("ENVOY_USER") ?? "istio-proxy";
        try
        {
            foreach (var line in File.ReadLines("/etc/passwd"))
            {
                var fields = line.Split(':');
                if (fields.Length > 2 && fields[0] == user)
                {
                    return fields[2];
                }
            }
        }
        catch (IOException)
        {
            // No passwd file to read: the default below, as when the user is missing.
        }
        catch (UnauthorizedAccessException)
        {
            // Same.
        }

        return "1337";
    }
}
