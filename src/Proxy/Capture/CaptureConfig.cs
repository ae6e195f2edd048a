namespace Mesh.Proxy.Capture;

/// <summary>
/// What to capture, with the names and defaults of Istio's istio-iptables configuration (tools/common/config): every
/// list is the comma-separated text the flag carries, already checked by <see cref="CaptureCommandLine"/>.
/// </summary>
internal sealed record CaptureConfig
{
    /// <summary>Where outbound TCP is redirected (-p, --envoy-port): the sidecar's virtualOutbound listener.</summary>
    public string ProxyPort { get; init; } = "15001";

    /// <summary>Where inbound TCP is redirected (-z, --inbound-capture-port): the sidecar's virtualInbound listener.</summary>
    public string InboundCapturePort { get; init; } = "15006";

    /// <summary>Istio's HBONE tunnel port (-e, --inbound-tunnel-port): never redirected, so a tunnel reaches the proxy as sent.</summary>
    public string InboundTunnelPort { get; init; } = "15008";

    /// <summary>The proxy's user ids (-u, --proxy-uid): their traffic is never captured, which is what stops loops.</summary>
    public string ProxyUid { get; init; } = "1337";

    /// <summary>The proxy's group ids (-g, --proxy-gid); Istio's default is the uid list.</summary>
    public string ProxyGid { get; init; } = "1337";

    /// <summary>Inbound ports to capture (-b, --istio-inbound-ports): "*" for all, empty for none.</summary>
    public string InboundPortsInclude { get; init; } = "";

    /// <summary>Inbound ports left alone (-d, --istio-local-exclude-ports); only with -b "*", as in Istio.</summary>
    public string InboundPortsExclude { get; init; } = "";

    /// <summary>Outbound ports always captured (-q, --istio-outbound-ports), whatever the address.</summary>
    public string OutboundPortsInclude { get; init; } = "";

    /// <summary>Outbound ports never captured (-o, --istio-local-outbound-ports-exclude), TCP and UDP.</summary>
    public string OutboundPortsExclude { get; init; } = "";

    /// <summary>Outbound destinations captured (-i, --istio-service-cidr): CIDRs, "*" for all, empty for none.</summary>
    public string OutboundIpRangesInclude { get; init; } = "";

    /// <summary>Outbound destinations never captured (-x, --istio-service-exclude-cidr).</summary>
    public string OutboundIpRangesExclude { get; init; } = "";

    /// <summary>Groups whose outbound traffic is captured (env ISTIO_OUTBOUND_OWNER_GROUPS): "*" for all.</summary>
    public string OwnerGroupsInclude { get; init; } = "*";

    /// <summary>Groups whose outbound traffic is not captured (env ISTIO_OUTBOUND_OWNER_GROUPS_EXCLUDE), with include "*".</summary>
    public string OwnerGroupsExclude { get; init; } = "";

    /// <summary>Virtual interfaces whose inbound traffic is treated as outbound (-k, --kube-virt-interfaces), e.g. KubeVirt's.</summary>
    public string RerouteVirtualInterfaces { get; init; } = "";

    /// <summary>Interfaces whose traffic is never captured, either way (-c, --istio-exclude-interfaces).</summary>
    public string ExcludeInterfaces { get; init; } = "";

    /// <summary>The loopback range an application reaches itself on (env ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR).</summary>
    public string HostIpv4LoopbackCidr { get; init; } = "127.0.0.1/32";

    /// <summary>Drop conntrack-INVALID packets (--drop-invalid) rather than let the kernel reset the connection.</summary>
    public bool DropInvalid { get; init; }

    /// <summary>Also write the IPv6 rules (ip6tables): Istio turns this on when the pod's address is IPv6.</summary>
    public bool EnableIpv6 { get; init; }
}
