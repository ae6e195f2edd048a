using Mesh.Proxy.Capture;

namespace Mesh.Proxy.Tests.Capture;

/// <summary>Istio's istio-iptables flags as the injector and users write them: names, short forms, defaults, refusals.</summary>
public sealed class CaptureCommandLineTests
{
    /// <summary>The istio-init arguments Istio's injector writes for a pod without capture annotations.</summary>
    public static readonly string[] InjectorDefaults =
        ["iptables", "-p", "15001", "-z", "15006", "-u", "1337", "-m", "REDIRECT", "-i", "*", "-x", "", "-b", "*", "-d", "15090,15021,15020"];

    /// <summary>What those arguments install: everything inbound but the proxy's own ports, everything outbound.</summary>
    public const string InjectorDefaultsPayload = """
        * nat
        -N ISTIO_INBOUND
        -N ISTIO_REDIRECT
        -N ISTIO_IN_REDIRECT
        -N ISTIO_OUTPUT
        -A ISTIO_INBOUND -p tcp --dport 15008 -j RETURN
        -A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001
        -A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006
        -A PREROUTING -p tcp -j ISTIO_INBOUND
        -A ISTIO_INBOUND -p tcp --dport 15090 -j RETURN
        -A ISTIO_INBOUND -p tcp --dport 15021 -j RETURN
        -A ISTIO_INBOUND -p tcp --dport 15020 -j RETURN
        -A ISTIO_INBOUND -p tcp -j ISTIO_IN_REDIRECT
        -A OUTPUT -j ISTIO_OUTPUT
        -A ISTIO_OUTPUT -o lo -s 127.0.0.6/32 -j RETURN
        -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --uid-owner 1337 -j ISTIO_IN_REDIRECT
        -A ISTIO_OUTPUT -o lo -m owner ! --uid-owner 1337 -j RETURN
        -A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN
        -A ISTIO_OUTPUT -o lo ! -d 127.0.0.1/32 -p tcp ! --dport 15008 -m owner --gid-owner 1337 -j ISTIO_IN_REDIRECT
        -A ISTIO_OUTPUT -o lo -m owner ! --gid-owner 1337 -j RETURN
        -A ISTIO_OUTPUT -m owner --gid-owner 1337 -j RETURN
        -A ISTIO_OUTPUT -d 127.0.0.1/32 -j RETURN
        -A ISTIO_OUTPUT -j ISTIO_REDIRECT
        COMMIT

        """;

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    [Fact]
    public void TryParse_InjectorDefaults_IstioPayloadForThePod()
    {
        var invocation = CaptureCommandLine.TryParse(InjectorDefaults, NoEnvironment, out var error);

        Assert.True(invocation is not null, error);
        Assert.False(invocation.DryRun);
        Assert.Equal("1337", invocation.Config.ProxyGid);
        Assert.Equal(InjectorDefaultsPayload.ReplaceLineEndings("\n"), RestorePayload.Build(CaptureRuleGenerator.Generate(invocation.Config).V4));
    }

    [Fact]
    public void TryParse_LongNamesAndEqualsForms_SameAsShortOnes()
    {
        var invocation = CaptureCommandLine.TryParse(
            ["iptables", "--envoy-port=15101", "--inbound-capture-port", "15106", "-e15108", "--proxy-uid=7", "-g", "8",
             "--istio-inbound-ports=80,443", "--istio-service-cidr", "10.0.0.0/8", "--istio-service-exclude-cidr=10.1.0.0/16",
             "--istio-outbound-ports", "3306", "--istio-local-outbound-ports-exclude=22", "--kube-virt-interfaces", "eth1",
             "--istio-exclude-interfaces=eth9", "--drop-invalid", "-n", "--cleanup=false"],
            NoEnvironment, out var error);

        Assert.True(invocation is not null, error);
        Assert.Equal(
            new CaptureConfig
            {
                ProxyPort = "15101", InboundCapturePort = "15106", InboundTunnelPort = "15108", ProxyUid = "7", ProxyGid = "8",
                InboundPortsInclude = "80,443", OutboundIpRangesInclude = "10.0.0.0/8", OutboundIpRangesExclude = "10.1.0.0/16",
                OutboundPortsInclude = "3306", OutboundPortsExclude = "22", RerouteVirtualInterfaces = "eth1", ExcludeInterfaces = "eth9",
                DropInvalid = true,
            },
            invocation.Config);
        Assert.True(invocation.DryRun);
        Assert.False(invocation.CleanupOnly);
    }

    [Fact]
    public void TryParse_NoFlags_IstioDefaultsWithoutCapture()
    {
        var invocation = CaptureCommandLine.TryParse(["iptables", "--cleanup"], name => name == "ENVOY_USER" ? "no-such-user-here" : null, out var error);

        Assert.True(invocation is not null, error);
        Assert.Equal(new CaptureConfig(), invocation.Config);
        Assert.True(invocation.CleanupOnly);
    }

    [Fact]
    public void TryParse_OwnerGroupsAndLoopbackFromEnvironment_AsIstioReadsThem()
    {
        var environment = new Dictionary<string, string>
        {
            ["ISTIO_OUTBOUND_OWNER_GROUPS"] = "java,202",
            ["ISTIO_OUTBOUND_IPV4_LOOPBACK_CIDR"] = "127.0.0.0/8",
        };

        var invocation = CaptureCommandLine.TryParse(["iptables", "-u", "1337"], environment.GetValueOrDefault, out var error);

        Assert.True(invocation is not null, error);
        Assert.Equal("java,202", invocation.Config.OwnerGroupsInclude);
        Assert.Equal("127.0.0.0/8", invocation.Config.HostIpv4LoopbackCidr);
    }

    [Theory]
    [InlineData("-m TPROXY", "--istio-inbound-interception-mode TPROXY: TPROXY interception is not supported (only REDIRECT)")]
    [InlineData("-m redirect", "--istio-inbound-interception-mode 'redirect': expected REDIRECT (or TPROXY, which is not supported)")]
    [InlineData("-t 1337", "--istio-inbound-tproxy-mark: TPROXY interception is not supported (only REDIRECT)")]
    [InlineData("--redirect-dns", "--redirect-dns: DNS capture is not supported: the proxy has no DNS proxy on 15053")]
    [InlineData("--capture-all-dns=true", "--capture-all-dns: DNS capture is not supported: the proxy has no DNS proxy on 15053")]
    [InlineData("--run-validation", "--run-validation: the validation mode (istio-validation with the CNI) is not supported")]
    [InlineData("-p 0", "--envoy-port '0': expected a port number 1-65535")]
    [InlineData("-b 80,http", "--istio-inbound-ports '80,http': 'http' is not a port (expected a number 1-65535)")]
    [InlineData("-d 15090,x", "--istio-local-exclude-ports '15090,x': 'x' is not a port (expected a number 1-65535)")]
    [InlineData("-i 10.0.0.1", "--istio-service-cidr '10.0.0.1': '10.0.0.1' is not a CIDR (expected e.g. 10.0.0.0/8 or fd00::/8)")]
    [InlineData("-x *", "--istio-service-exclude-cidr '*': '*' cannot be excluded")]
    [InlineData("-k eth0;reboot", "--kube-virt-interfaces 'eth0;reboot': 'eth0;reboot' has ';', which a name here cannot have")]
    [InlineData("--force-iptables-binary nf", "--force-iptables-binary 'nf': expected legacy or nft")]
    [InlineData("--dry-run=yes", "--dry-run=yes: expected true or false")]
    [InlineData("--no-such-flag 1", "unknown option '--no-such-flag'")]
    [InlineData("-p", "option '-p' needs a value")]
    [InlineData("stray", "unexpected argument 'stray'")]
    public void TryParse_Mistake_NamedInOneLine(string arguments, string expected)
    {
        string[] args = ["iptables", .. arguments.Split(' ')];

        var invocation = CaptureCommandLine.TryParse(args, NoEnvironment, out var error);

        Assert.Null(invocation);
        Assert.Equal(expected, error);
    }

    [Fact]
    public void TryParse_RefusedSwitchTurnedOff_Accepted()
    {
        var invocation = CaptureCommandLine.TryParse(["iptables", "--redirect-dns=false"], NoEnvironment, out var error);

        Assert.True(invocation is not null, error);
    }
}
