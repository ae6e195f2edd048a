using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Tests;

public sealed class ProxyCommandLineTests
{
    [Fact]
    public void TryParse_SidecarWithAllFlags_BuildsTheNode()
    {
        var options = ProxyCommandLine.TryParse(
            ["sidecar", "--workload", "backend-v1", "--namespace", "default", "--discovery", "http://127.0.0.1:15010", "--app", "127.0.0.1:8081",
             "--outbound-port", "15001", "--admin-port", "15000", "--label", "version=v1"],
            out var error);

        Assert.True(options is not null, error);
        var node = options.ToNode();
        Assert.Equal("sidecar~backend-v1.default", node.Id);
        Assert.Equal(ProxyRole.Sidecar, node.Role);
        Assert.Equal("127.0.0.1:8081", node.AppAddress);
        Assert.Equal(15001u, node.OutboundPort);
        Assert.Equal("127.0.0.1", node.BindAddress);
        Assert.Equal("v1", node.Labels["version"]);
    }

    [Fact]
    public void TryParse_SidecarWithInboundCapturePort_DeclaresItOnTheNode()
    {
        var options = ProxyCommandLine.TryParse(
            ["sidecar", "--workload", "w", "--namespace", "ns", "--discovery", "http://127.0.0.1:15010", "--app", "127.0.0.1:8081",
             "--outbound-port", "15001", "--admin-port", "15000", "--inbound-capture-port", "15006"],
            out var error);

        Assert.True(options is not null, error);
        Assert.Equal(15006u, options.ToNode().InboundCapturePort);
    }

    [Theory]
    [InlineData("15001", "not 0 nor the outbound port")]
    [InlineData("0", "not 0 nor the outbound port")]
    [InlineData("x", "--inbound-capture-port 'x': expected a port number")]
    public void TryParse_BadInboundCapturePort_Explains(string port, string expected)
    {
        var options = ProxyCommandLine.TryParse(
            ["sidecar", "--workload", "w", "--namespace", "ns", "--discovery", "http://127.0.0.1:15010", "--app", "127.0.0.1:8081",
             "--outbound-port", "15001", "--admin-port", "15000", "--inbound-capture-port", port],
            out var error);

        Assert.Null(options);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void TryParse_RouterWithInboundCapturePort_Refused()
    {
        Assert.Null(ProxyCommandLine.TryParse(
            ["router", "--workload", "gw", "--namespace", "ns", "--discovery", "http://127.0.0.1:15010", "--admin-port", "15000", "--inbound-capture-port", "15006"],
            out var error));
        Assert.Contains("unknown option '--inbound-capture-port' for router mode", error);
    }

    [Fact]
    public void TryParse_RouterWithLocality_DeclaresItOnTheNode()
    {
        var options = ProxyCommandLine.TryParse(
            ["router", "--workload", "gw", "--namespace", "ns", "--discovery", "http://127.0.0.1:15010", "--admin-port", "15000", "--locality", "us-east/zone1/a"],
            out var error);

        Assert.True(options is not null, error);
        Assert.Equal("us-east/zone1/a", options.ToNode().Locality);
    }

    [Theory]
    [InlineData("missing mode", new string[0])]
    [InlineData("unknown mode 'gateway'", new[] { "gateway" })]
    [InlineData("missing required option '--discovery'", new[] { "router", "--workload", "gw", "--namespace", "ns", "--admin-port", "1" })]
    [InlineData("unknown option '--app' for router mode", new[] { "router", "--app", "x:1" })]
    [InlineData("--admin-port 'x'", new[] { "router", "--workload", "gw", "--namespace", "ns", "--discovery", "http://h:1", "--admin-port", "x" })]
    [InlineData("--label 'novalue'", new[] { "router", "--label", "novalue" })]
    public void TryParse_BadCommandLine_SaysWhatIsWrong(string expected, string[] args)
    {
        Assert.Null(ProxyCommandLine.TryParse(args, out var error));
        Assert.Contains(expected, error);
    }
}
