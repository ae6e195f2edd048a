using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Proxy.Tests.Capture;

/// <summary>
/// The built command in a network namespace of its own, with each iptables backend: Istio's rules land in the kernel,
/// a second run changes nothing, --dry-run changes nothing, --cleanup-only leaves no ISTIO chain; and the rules redirect
/// a connection as Istio's do (uid 0 captured, the proxy's uid 1337 not). Root, ip and iptables needed.
/// </summary>
public sealed class IptablesNamespaceTests
{
    private static readonly string[] InjectorDefaults = CaptureCommandLineTests.InjectorDefaults[1..];

    [SkippableTheory]
    [InlineData("legacy")]
    [InlineData("nft")]
    public async Task Iptables_InstallTwiceDryRunCleanup_IstioRulesOnceThenNone(string backend)
    {
        var binary = $"iptables-{backend}";
        NetworkNamespace.SkipUnlessPossible(binary, binary + "-save", binary + "-restore");
        using var pod = await NetworkNamespace.CreateAsync();
        string[] install = [.. InjectorDefaults, "--force-iptables-binary", backend];

        var first = await pod.CaptureAsync(install);
        var installed = await pod.SaveAsync(binary);
        var second = await pod.CaptureAsync(install);
        var reinstalled = await pod.SaveAsync(binary);
        var dryRun = await pod.CaptureAsync([.. install, "--dry-run"]);
        var afterDryRun = await pod.SaveAsync(binary);
        var cleanup = await pod.CaptureAsync("--cleanup-only", "--force-iptables-binary", backend);
        var cleaned = await pod.SaveAsync(binary);

        Assert.True(first.Code == 0, first.Errors);
        Assert.Contains($"IPv4: using {binary} (forced by --force-iptables-binary)", first.Output);
        var nat = installed.Split('\n').SkipWhile(line => line != "*nat").TakeWhile(line => line != "COMMIT").ToList();
        Assert.Equal([":ISTIO_INBOUND - [0:0]", ":ISTIO_IN_REDIRECT - [0:0]", ":ISTIO_OUTPUT - [0:0]", ":ISTIO_REDIRECT - [0:0]"],
            nat.Where(line => line.StartsWith(":ISTIO", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
        Assert.Equal(18, nat.Count(line => line.StartsWith("-A ", StringComparison.Ordinal)));
        Assert.Contains("-A PREROUTING -p tcp -j ISTIO_INBOUND", nat);
        Assert.Contains("-A OUTPUT -j ISTIO_OUTPUT", nat);
        Assert.Contains("-A ISTIO_INBOUND -p tcp -m tcp --dport 15021 -j RETURN", nat);
        Assert.Contains("-A ISTIO_REDIRECT -p tcp -j REDIRECT --to-ports 15001", nat);
        Assert.Contains("-A ISTIO_IN_REDIRECT -p tcp -j REDIRECT --to-ports 15006", nat);
        Assert.Contains("-A ISTIO_OUTPUT -m owner --uid-owner 1337 -j RETURN", nat);
        Assert.Contains("-A ISTIO_OUTPUT -j ISTIO_REDIRECT", nat);

        Assert.True(second.Code == 0, second.Errors);
        Assert.Contains("IPv4: replaced the previous capture", second.Output);
        Assert.Equal(installed, reinstalled);

        Assert.True(dryRun.Code == 0, dryRun.Errors);
        Assert.Contains(CaptureCommandLineTests.InjectorDefaultsPayload.ReplaceLineEndings("\n"), dryRun.Output);
        Assert.Equal(installed, afterDryRun);

        Assert.True(cleanup.Code == 0, cleanup.Errors);
        Assert.DoesNotContain("ISTIO", cleaned);
    }

    [SkippableFact]
    public async Task Iptables_LegacyAlreadyHoldsRules_DetectedAndKept()
    {
        NetworkNamespace.SkipUnlessPossible("iptables-legacy", "iptables-legacy-save", "iptables-nft-save");
        using var pod = await NetworkNamespace.CreateAsync();

        var forced = await pod.CaptureAsync([.. InjectorDefaults, "--force-iptables-binary", "legacy"]);
        var detected = await pod.CaptureAsync(InjectorDefaults);
        var nft = await pod.SaveAsync("iptables-nft");

        Assert.True(forced.Code == 0 && detected.Code == 0, forced.Errors + detected.Errors);
        Assert.Contains("IPv4: using iptables-legacy (legacy already holds rules in this network namespace)", detected.Output);
        Assert.DoesNotContain("ISTIO", nft);
    }

    [SkippableFact]
    public async Task Iptables_OutboundConnection_RedirectedToProxyUnlessFromProxyUid()
    {
        NetworkNamespace.SkipUnlessPossible("iptables", "setpriv", "bash");
        using var pod = await NetworkNamespace.CreateAsync();
        var install = await pod.CaptureAsync(InjectorDefaults);
        Assert.True(install.Code == 0, install.Errors);
        using var proxy = pod.Listen(15001);

        // An application (uid 0) calling some address outside the pod lands on the proxy, which reads where it was going.
        var application = pod.ExecAsync("bash", "-c", "exec 3<>/dev/tcp/10.99.0.7/8080 && echo hello >&3");
        using var accepted = await proxy.AcceptAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, (await application).Code);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.99.0.7"), 8080), OriginalDestination(accepted));

        // The proxy's own uid goes where it connects: nobody answers there, and the proxy's listener sees nothing.
        var fromProxy = await pod.ExecAsync("setpriv", "--reuid", "1337", "--regid", "1337", "--clear-groups",
            "bash", "-c", "exec 3<>/dev/tcp/10.99.0.7/8080");
        Assert.NotEqual(0, fromProxy.Code);
        Assert.False(proxy.Poll(0, SelectMode.SelectRead), "a connection from uid 1337 was captured");
    }

    /// <summary>SO_ORIGINAL_DST (SOL_IP, 80): the address before the REDIRECT, as a sockaddr_in.</summary>
    private static IPEndPoint OriginalDestination(Socket socket)
    {
        var address = new byte[16];
        var length = socket.GetRawSocketOption(0, 80, address);
        Assert.Equal(16, length);
        return new IPEndPoint(new IPAddress(address.AsSpan(4, 4)), BinaryPrimitives.ReadUInt16BigEndian(address.AsSpan(2, 2)));
    }
}
