namespace Mesh.Proxy.Capture;

/// <summary>
/// The capture's rules, as Istio's istio-iptables writes them in REDIRECT mode (tools/istio-iptables/pkg/capture/run.go):
/// the same chains, the same rules in the same order, so Istio's golden outputs are ours byte for byte.
/// A pure function of the configuration: the executor decides where they go.
/// </summary>
internal static class CaptureRuleGenerator
{
    public const string Inbound = "ISTIO_INBOUND";
    public const string Redirect = "ISTIO_REDIRECT";
    public const string InRedirect = "ISTIO_IN_REDIRECT";
    public const string Output = "ISTIO_OUTPUT";
    public const string Drop = "ISTIO_DROP";

    /// <summary>The source address of the proxy's inbound passthrough connections, which must never be captured again.</summary>
    private const string InboundPassthroughV4 = "127.0.0.6/32";
    private const string InboundPassthroughV6 = "::6/128";
    private const string LoopbackV6 = "::1/128";

    public static IptablesRuleBuilder Generate(CaptureConfig config)
    {
        var rules = new IptablesRuleBuilder(config.EnableIpv6);
        var exclude = CaptureLists.Ranges(config.OutboundIpRangesExclude);
        var include = CaptureLists.Ranges(config.OutboundIpRangesInclude);
        var loopback = config.HostIpv4LoopbackCidr;

        // Interfaces left alone entirely, then virtual interfaces whose inbound side is not captured as inbound.
        foreach (var name in CaptureLists.Split(config.ExcludeInterfaces))
        {
            rules.Append("PREROUTING", "nat", "-i", name, "-j", "RETURN");
            rules.Append("OUTPUT", "nat", "-o", name, "-j", "RETURN");
        }

        foreach (var name in CaptureLists.Split(config.RerouteVirtualInterfaces))
        {
            rules.Insert("PREROUTING", "nat", 1, "-i", name, "-j", "RETURN");
        }

        // Out-of-window packets dropped rather than answered with a reset the application would see.
        if (config.DropInvalid)
        {
            rules.Append("PREROUTING", "mangle", "-m", "conntrack", "--ctstate", "INVALID", "-j", Drop);
            rules.Append(Drop, "mangle", "-j", "DROP");
        }

        rules.Append(Inbound, "nat", "-p", "tcp", "--dport", config.InboundTunnelPort, "-j", "RETURN");
        rules.Append(Redirect, "nat", "-p", "tcp", "-j", "REDIRECT", "--to-ports", config.ProxyPort);
        rules.Append(InRedirect, "nat", "-p", "tcp", "-j", "REDIRECT", "--to-ports", config.InboundCapturePort);
        InboundPorts(rules, config);

        rules.Append("OUTPUT", "nat", "-j", Output);

        // Excluded ports first: they must win over the redirect of an application's calls to itself.
        foreach (var port in CaptureLists.Split(config.OutboundPortsExclude))
        {
            rules.Append(Output, "nat", "-p", "tcp", "--dport", port, "-j", "RETURN");
            rules.Append(Output, "nat", "-p", "udp", "--dport", port, "-j", "RETURN");
        }

        rules.AppendVersioned(InboundPassthroughV4, InboundPassthroughV6, Output, "nat", "-o", "lo", "-s", IptablesRuleBuilder.VersionSpecific, "-j", "RETURN");

        // An application calling its own service address goes app → proxy (outbound) → proxy (inbound) → app: the
        // proxy's connection over lo to a non-loopback address is sent to the inbound side. Anything else over lo that
        // is not the proxy's is the application talking to itself: left alone, unless a loopback range is captured.
        // Everything else the proxy sends is never captured: that is what keeps it from looping into itself.
        var capturesLoopback = include.V4HasLoopback || include.V6HasLoopback;
        foreach (var uid in CaptureLists.Split(config.ProxyUid))
        {
            OwnerRules(rules, config, loopback, "--uid-owner", uid, capturesLoopback);
        }

        foreach (var gid in CaptureLists.Split(config.ProxyGid))
        {
            OwnerRules(rules, config, loopback, "--gid-owner", gid, capturesLoopback);
        }

        OwnerGroups(rules, config);

        // Envoy-aware applications and container-to-container traffic on localhost are never captured.
        rules.AppendVersioned(loopback, LoopbackV6, Output, "nat", "-d", IptablesRuleBuilder.VersionSpecific, "-j", "RETURN");
        foreach (var cidr in exclude.V4)
        {
            rules.AppendV4(Output, "nat", "-d", cidr, "-j", "RETURN");
        }

        foreach (var cidr in exclude.V6)
        {
            rules.AppendV6(Output, "nat", "-d", cidr, "-j", "RETURN");
        }

        foreach (var port in CaptureLists.Split(config.OutboundPortsInclude))
        {
            rules.Append(Output, "nat", "-p", "tcp", "--dport", port, "-j", Redirect);
        }

        OutboundRanges(rules, config, include.Wildcard, include.V4, rules.AppendV4, rules.InsertV4);
        OutboundRanges(rules, config, include.Wildcard, include.V6, rules.AppendV6, rules.InsertV6);
        return rules;
    }

    private static void InboundPorts(IptablesRuleBuilder rules, CaptureConfig config)
    {
        if (config.InboundPortsInclude.Length == 0)
        {
            return;
        }

        rules.Append("PREROUTING", "nat", "-p", "tcp", "-j", Inbound);
        if (config.InboundPortsInclude == "*")
        {
            foreach (var port in CaptureLists.Split(config.InboundPortsExclude))
            {
                rules.Append(Inbound, "nat", "-p", "tcp", "--dport", port, "-j", "RETURN");
            }

            rules.Append(Inbound, "nat", "-p", "tcp", "-j", InRedirect);
            return;
        }

        foreach (var port in CaptureLists.Split(config.InboundPortsInclude))
        {
            rules.Append(Inbound, "nat", "-p", "tcp", "--dport", port, "-j", InRedirect);
        }
    }

    private static void OwnerRules(IptablesRuleBuilder rules, CaptureConfig config, string loopback, string match, string owner, bool capturesLoopback)
    {
        rules.AppendVersioned(loopback, LoopbackV6, Output, "nat",
            "-o", "lo", "!", "-d", IptablesRuleBuilder.VersionSpecific, "-p", "tcp", "!", "--dport", config.InboundTunnelPort,
            "-m", "owner", match, owner, "-j", InRedirect);
        if (!capturesLoopback)
        {
            rules.Append(Output, "nat", "-o", "lo", "-m", "owner", "!", match, owner, "-j", "RETURN");
        }

        rules.Append(Output, "nat", "-m", "owner", match, owner, "-j", "RETURN");
    }

    /// <summary>Istio's owner-group filter: capture only the listed groups, or all but the excluded ones.</summary>
    private static void OwnerGroups(IptablesRuleBuilder rules, CaptureConfig config)
    {
        if (config.OwnerGroupsInclude == "*")
        {
            foreach (var group in CaptureLists.Split(config.OwnerGroupsExclude))
            {
                rules.Append(Output, "nat", "-m", "owner", "--gid-owner", group, "-j", "RETURN");
            }

            return;
        }

        var parameters = new List<string>();
        foreach (var group in CaptureLists.Split(config.OwnerGroupsInclude))
        {
            parameters.AddRange(["-m", "owner", "!", "--gid-owner", group]);
        }

        parameters.AddRange(["-j", "RETURN"]);
        rules.Append(Output, "nat", [.. parameters]);
    }

    private static void OutboundRanges(
        IptablesRuleBuilder rules, CaptureConfig config, bool wildcard, IReadOnlyList<string> cidrs,
        Action<string, string, string[]> append, Action<string, string, int, string[]> insert)
    {
        if (wildcard)
        {
            append(Output, "nat", ["-j", Redirect]);
            foreach (var name in CaptureLists.Split(config.RerouteVirtualInterfaces))
            {
                insert("PREROUTING", "nat", 1, ["-i", name, "-j", Redirect]);
            }

            return;
        }

        foreach (var cidr in cidrs)
        {
            foreach (var name in CaptureLists.Split(config.RerouteVirtualInterfaces))
            {
                insert("PREROUTING", "nat", 1, ["-i", name, "-d", cidr, "-j", Redirect]);
            }

            append(Output, "nat", ["-d", cidr, "-j", Redirect]);
        }
    }
}
