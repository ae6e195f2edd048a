using Mesh.Proxy.Capture;

namespace Mesh.Proxy.Tests.Capture;

/// <summary>
/// The rule generator against Istio's goldens (TestIptables in tools/istio-iptables/pkg/capture/run_test.go): each case
/// starts from that test's defaults (ours too) and changes what the conformance README (section 4) lists. The golden
/// records what Istio's stub saw: iptables-save and ip6tables-save, the IPv4 payload, the IPv6 payload when enabled, then
/// the final iptables-save (and ip6tables-save); the test compares after trimming, as Istio's does.
/// </summary>
public sealed class IstioGoldenTests
{
    /// <summary>Goldens of features refused on purpose: DNS capture (no DNS proxy on 15053) and TPROXY.</summary>
    private static readonly string[] Unsupported = ["dns-uid-gid", "ip-range", "loopback-outbound-iprange", "tproxy"];

    private static readonly Dictionary<string, CaptureConfig> Cases = new(StringComparer.Ordinal)
    {
        ["empty"] = new CaptureConfig(),
        ["inbound-ports-include"] = new CaptureConfig { InboundPortsInclude = "32000,31000" },
        ["inbound-ports-wildcard"] = new CaptureConfig { InboundPortsInclude = "*" },
        ["outbound-ports-include"] = new CaptureConfig { OutboundPortsInclude = "32000,31000" },
        ["outbound-ports-exclude-single"] = new CaptureConfig { OutboundPortsExclude = "22" },
        ["outbound-owner-groups"] = new CaptureConfig { OwnerGroupsInclude = "java,202" },
        ["kube-virt-interfaces"] = new CaptureConfig { RerouteVirtualInterfaces = "eth1,eth2", OutboundIpRangesInclude = "*" },
        ["drop-invalid"] = new CaptureConfig { DropInvalid = true },
        ["ipv6-inbound-ports"] = new CaptureConfig { InboundPortsInclude = "4000,5000", EnableIpv6 = true },
        ["ipv6-uid-gid"] = new CaptureConfig
        {
            InboundPortsInclude = "4000,5000",
            InboundPortsExclude = "6000,7000",
            RerouteVirtualInterfaces = "eth0,eth1",
            ProxyGid = "1,2",
            ProxyUid = "3,4",
            EnableIpv6 = true,
            OutboundIpRangesExclude = "2001:db8::/32",
            OutboundIpRangesInclude = "2001:db8::/32",
        },
    };

    public static TheoryData<string> Supported => [.. Cases.Keys];

    [SkippableTheory]
    [MemberData(nameof(Supported))]
    public void Generate_IstioCase_EqualsIstioGolden(string name)
    {
        IstioGoldens.SkipUnlessPresent();
        var golden = File.ReadAllText(Path.Combine(IstioGoldens.Folder, name + ".golden"));
        var config = Cases[name];

        var rules = CaptureRuleGenerator.Generate(config);
        var recorded = "iptables-save\nip6tables-save\n" + RestorePayload.Build(rules.V4) + RestorePayload.Build(rules.V6)
            + (config.EnableIpv6 ? "iptables-save\nip6tables-save" : "iptables-save");

        Assert.Equal(golden.Trim(), recorded.Trim());
    }

    [SkippableFact]
    public void Goldens_EveryFile_IsReproducedOrRefusedOnPurpose()
    {
        IstioGoldens.SkipUnlessPresent();

        var names = Directory.GetFiles(IstioGoldens.Folder, "*.golden").Select(path => Path.GetFileNameWithoutExtension(path)).Order().ToList();

        Assert.Equal(Cases.Keys.Concat(Unsupported).Order(), names);
    }
}
