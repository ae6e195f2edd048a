using System.CommandLine;
using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Meshctl;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("proxy-status --control-plane http://127.0.0.1:15014")]
    [InlineData("tls-check --from http://127.0.0.1:15000 --to http://127.0.0.1:15001 --to https://127.0.0.1:15002")]
    [InlineData("demo --otlp-endpoint http://127.0.0.1:4317")]
    public void Parse_UrlOptions_AcceptAbsoluteUrls(string commandLine)
    {
        var result = Root().Parse(commandLine);

        Assert.Empty(result.Errors);
    }

    [Fact]
    public void Parse_UrlOptionWithGarbage_IsAUsageErrorNamingTheValue()
    {
        var result = Root().Parse("proxy-status --control-plane not-a-url");

        Assert.Contains(result.Errors, e => e.Message.Contains("'not-a-url' is not an absolute http:// or https:// URL", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_TlsCheckDestinations_ReadsEveryUrl()
    {
        var command = TlsCheckCommand.Create();
        var to = command.Options.OfType<Option<Uri[]>>().Single();

        var result = new RootCommand { command }.Parse("tls-check --from http://127.0.0.1:1 --to http://127.0.0.1:2 --to http://127.0.0.1:3");

        Assert.Equal([new Uri("http://127.0.0.1:2"), new Uri("http://127.0.0.1:3")], result.GetValue(to)!);
    }

    private static RootCommand Root() => new() { DemoCommand.Create(), ProxyStatusCommand.Create(), TlsCheckCommand.Create() };
}
