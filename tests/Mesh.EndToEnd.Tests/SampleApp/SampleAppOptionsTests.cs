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
    }

    [Theory]
    [InlineData("--version v1 --port 1", "--service is required")]
    [InlineData("--service a --version v1 --port 70000", "--port must be a number from 0 to 65535")]
    [InlineData("--service a --version v1 --port 1 --upstream ftp://x/", "--upstream must be an absolute http:// URL")]
    [InlineData("--service a --version v1 --port 1 --bogus 1", "unknown option '--bogus'")]
    [InlineData("--service", "--service needs a value")]
    public void Parse_BadCommandLine_SaysWhatIsWrong(string commandLine, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => SampleAppOptions.Parse(commandLine.Split(' ')));

        Assert.Contains(expected, error.Message);
    }
}
