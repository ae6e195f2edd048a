using Mesh.Injection;
using Mesh.Proxy.Capture;

namespace Mesh.ControlPlane.Tests.Injection;

/// <summary>
/// The <c>traffic.sidecar.istio.io/*</c> annotations end to end: the injector's own istio-init arguments, parsed by
/// <c>Mesh.Proxy iptables</c>, give the rules Istio's would (the annotation → flag → rule chain a user relies on).
/// </summary>
public sealed class CaptureAnnotationTests
{
    [Fact]
    public void Capture_NoAnnotations_EverythingInboundButProxyPortsAndEverythingOutbound()
    {
        var lines = Rules(new Dictionary<string, string>());

        Assert.Equal(
            ["-A PREROUTING -p tcp -j ISTIO_INBOUND", "-A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN", "-A ISTIO_INBOUND -p tcp --dport 15021 -j RETURN",
             "-A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN", "-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT"],
            lines.Where(line => line.Contains("ISTIO_INBOUND", StringComparison.Ordinal) && !line.Contains("15008", StringComparison.Ordinal)));
        Assert.Equal("-A ISTIO_OUTPUT -j ISTIO_REDIRECT", lines[^1]);
        Assert.Contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN", lines);
    }

    [Fact]
    public void Capture_IncludeOutboundIpRanges_OnlyThoseRangesRedirected()
    {
        var lines = Rules(new() { [PodAnnotations.IncludeOutboundIpRanges] = "10.96.0.0/12,192.168.0.0/16" });

        Assert.Equal(["-A ISTIO_OUTPUT -d 10.96.0.0/12 -j ISTIO_REDIRECT", "-A ISTIO_OUTPUT -d 192.168.0.0/16 -j ISTIO_REDIRECT"], lines[^2..]);
        Assert.DoesNotContain("-A ISTIO_OUTPUT -j ISTIO_REDIRECT", lines);
    }

    [Fact]
    public void Capture_ExcludeOutboundIpRanges_ReturnedBeforeTheCatchAll()
    {
        var lines = Rules(new() { [PodAnnotations.ExcludeOutboundIpRanges] = "169.254.169.254/32" });

        Assert.Equal(["-A ISTIO_OUTPUT -d 169.254.169.254/32 -j RETURN", "-A ISTIO_OUTPUT -j ISTIO_REDIRECT"], lines[^2..]);
    }

    [Fact]
    public void Capture_IncludeInboundPorts_OnlyThosePortsRedirected()
    {
        var lines = Rules(new() { [PodAnnotations.IncludeInboundPorts] = "8080,9090" });

        Assert.Contains("-A ISTIO_INBOUND -p tcp --dport 8080 -j ISTIO_IN_REDIRECT", lines);
        Assert.Contains("-A ISTIO_INBOUND -p tcp --dport 9090 -j ISTIO_IN_REDIRECT", lines);
        Assert.DoesNotContain("-A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT", lines);
    }

    [Fact]
    public void Capture_IncludeInboundPortsEmpty_NoInboundCapture()
    {
        var lines = Rules(new() { [PodAnnotations.IncludeInboundPorts] = "" });

        Assert.DoesNotContain(lines, line => line.StartsWith("-A PREROUTING", StringComparison.Ordinal));
    }

    [Fact]
    public void Capture_ExcludeInboundPorts_ReturnedWithTheProxyPorts()
    {
        var lines = Rules(new() { [PodAnnotations.ExcludeInboundPorts] = "3306" });

        Assert.Equal(
            ["-A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN", "-A ISTIO_INBOUND -p tcp --dport 15021 -j RETURN",
             "-A ISTIO_INBOUND -p tcp --dport 3306 -j RETURN", "-A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN"],
            lines.Where(line => line.StartsWith("-A ISTIO_INBOUND -p tcp --dport", StringComparison.Ordinal) && !line.Contains("15008", StringComparison.Ordinal)));
    }

    [Fact]
    public void Capture_ExcludeOutboundPorts_TcpAndUdpReturnedFirst()
    {
        var lines = Rules(new() { [PodAnnotations.ExcludeOutboundPorts] = "5432" });

        var first = lines.IndexOf("-A OUTPUT -j ISTIO_OUTPUT") + 1;
        Assert.Equal(["-A ISTIO_OUTPUT -p tcp --dport 5432 -j RETURN", "-A ISTIO_OUTPUT -p udp --dport 5432 -j RETURN"], lines[first..(first + 2)]);
    }

    [Fact]
    public void Capture_IncludeOutboundPorts_RedirectedWhateverTheAddress()
    {
        var lines = Rules(new()
        {
            [PodAnnotations.IncludeOutboundIpRanges] = "",
            [PodAnnotations.IncludeOutboundPorts] = "443",
        });

        Assert.Equal("-A ISTIO_OUTPUT -p tcp --dport 443 -j ISTIO_REDIRECT", lines[^1]);
    }

    private static List<string> Rules(Dictionary<string, string> annotations)
    {
        var args = CaptureArguments.For(annotations, ProxyPorts.Status);
        var invocation = CaptureCommandLine.TryParse(args, _ => null, out var error);
        Assert.True(invocation is not null, $"{string.Join(' ', args)}: {error}");
        return CaptureRuleGenerator.Generate(invocation.Config).V4.Select(rule => rule.Line).ToList();
    }
}
