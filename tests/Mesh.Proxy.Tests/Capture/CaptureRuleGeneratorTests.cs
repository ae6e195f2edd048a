using Mesh.Proxy.Capture;

namespace Mesh.Proxy.Tests.Capture;

/// <summary>Rules Istio's goldens cover only together with DNS capture, which we refuse: outbound ranges and exclusions.</summary>
public sealed class CaptureRuleGeneratorTests
{
    [Fact]
    public void Generate_IncludeAndExcludeRanges_ExcludedReturnBeforeIncludedRedirect()
    {
        var rules = CaptureRuleGenerator.Generate(new CaptureConfig { OutboundIpRangesExclude = "1.1.0.0/16", OutboundIpRangesInclude = "9.9.0.0/16,fd00::/8" });

        var lines = rules.V4.Select(rule => rule.Line).ToList();

        // As ip-range.golden has them, without its DNS rules; the IPv6 range stays out of the IPv4 rules.
        Assert.Equal(
            ["-A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN", "-A ISTIO_OUTPUT -d 1.1.0.0/16 -j RETURN", "-A ISTIO_OUTPUT -d 9.9.0.0/16 -j ISTIO_REDIRECT"],
            lines[^3..]);
        Assert.Empty(rules.V6);
    }

    [Fact]
    public void Generate_LoopbackRangeIncluded_ApplicationLoopbackNoLongerReturned()
    {
        var rules = CaptureRuleGenerator.Generate(new CaptureConfig { OutboundIpRangesInclude = "127.1.2.3/32" });

        var lines = rules.V4.Select(rule => rule.Line).ToList();

        // loopback-outbound-iprange.golden: no "-o lo -m owner ! --uid-owner" RETURN, so the app's loopback call is captured.
        Assert.DoesNotContain(lines, line => line.Contains("! --uid-owner", StringComparison.Ordinal) || line.Contains("! --gid-owner", StringComparison.Ordinal));
        Assert.Equal("-A ISTIO_OUTPUT -d 127.1.2.3/32 -j ISTIO_REDIRECT", lines[^1]);
    }

    [Fact]
    public void Generate_InboundExcludeWithoutWildcard_NoExclusionRules()
    {
        var rules = CaptureRuleGenerator.Generate(new CaptureConfig { InboundPortsInclude = "8080", InboundPortsExclude = "9090" });

        Assert.DoesNotContain(rules.V4, rule => rule.Line.Contains("9090", StringComparison.Ordinal));
    }

    [Fact]
    public void Generate_ExcludeInterfacesAndOwnerGroupsExcluded_ReturnRules()
    {
        var rules = CaptureRuleGenerator.Generate(new CaptureConfig { ExcludeInterfaces = "eth9", OwnerGroupsExclude = "nocapture" });

        var lines = rules.V4.Select(rule => rule.Line).ToList();

        Assert.Equal(["-A PREROUTING -i eth9 -j RETURN", "-A OUTPUT -o eth9 -j RETURN"], lines[..2]);
        Assert.Contains("-A ISTIO_OUTPUT -m owner --gid-owner nocapture -j RETURN", lines);
    }
}
