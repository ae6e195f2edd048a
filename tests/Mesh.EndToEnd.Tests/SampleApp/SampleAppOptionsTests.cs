using Mesh.SampleApp;

namespace Mesh.EndToEnd.Tests.SampleApp;

public sealed class SampleAppOptionsTests
{
    [Fact]
    public void Parse_FullCommandLine_ReadsEveryOption()
    {
        var options = SampleAppOptions.Parse(
            ["--service", "frontend", "--version", "v1", "--port", "8081", "--namespace", "shop",
             "--upstream", "http://backend:9080/", "--fail-percent", "25"]);

        Assert.Equal("frontend", options.Service);
        Assert.Equal("v1", options.Version);
        Assert.Equal("shop", options.Namespace);
        Assert.Equal(8081, options.Port);
        Assert.Equal(new Uri("http://backend:9080/"), Assert.Single(options.Upstreams));
        Assert.Equal(25, options.FailPercent);
        Assert.Equal(System.Net.IPAddress.Loopback, options.Listen);
        Assert.Equal(0, options.TcpEchoPort);
        Assert.Equal(0, options.HttpsPort);
    }

    [Fact]
    public void Parse_ServerOutsideTheMesh_ListensOnAnyAddressWithEchoAndHttps()
    {
        var options = SampleAppOptions.Parse(
            ["--service", "outside", "--version", "v1", "--port", "8080", "--listen", "0.0.0.0", "--tcp-echo-port", "9000", "--https-port", "8443"]);

        Assert.Equal(System.Net.IPAddress.Any, options.Listen);
        Assert.Equal(9000, options.TcpEchoPort);
        Assert.Equal(8443, options.HttpsPort);
    }

    [Theory]
    [InlineData("--version v1 --port 1", "--service is required")]
    [InlineData("--service a --version v1 --port 70000", "--port must be a number from 0 to 65535")]
    [InlineData("--service a --version v1 --port 1 --upstream ftp://x/", "--upstream must be an absolute http:// URL")]
    [InlineData("--service a --version v1 --port 1 --bogus 1", "unknown option '--bogus'")]
    [InlineData("--service", "--service needs a value")]
    [InlineData("--service a --version v1 --port 1 --listen localhost", "--listen must be an IP address")]
    [InlineData("--service a --version v1 --port 1 --tcp-echo-port 0", "--tcp-echo-port must be a number from 1 to 65535")]
    public void Parse_BadCommandLine_SaysWhatIsWrong(string commandLine, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => SampleAppOptions.Parse(commandLine.Split(' ')));

        Assert.Contains(expected, error.Message);
    }
}
