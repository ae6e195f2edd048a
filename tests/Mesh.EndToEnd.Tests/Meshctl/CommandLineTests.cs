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

    [Theory]
    [InlineData("install --profile demo --platform kind --image mesh:1 --dry-run --wait-timeout 1h30m")]
    [InlineData("uninstall --purge --kubeconfig /dev/null --context kind-kind")]
    [InlineData("check --pre")]
    [InlineData("dashboard kiali --port 20001 --browser false")]
    [InlineData("proxy-config route web-1.default -o json")]
    [InlineData("proxy-config secret --admin http://127.0.0.1:15000")]
    [InlineData("proxy-status --context kind-kind")]
    public void Parse_ClusterCommands_AcceptTheirOptions(string commandLine)
    {
        var result = Root().Parse(commandLine);

        Assert.Empty(result.Errors);
    }

    [Theory]
    [InlineData("install --profile huge", "huge")]
    [InlineData("install --wait-timeout soon", "'soon' is not a duration")]
    [InlineData("dashboard zipkin", "zipkin")]
    [InlineData("proxy-config bootstrap web-1", "bootstrap")]
    public void Parse_ClusterCommandsWithWrongValues_AreUsageErrorsNamingTheValue(string commandLine, string expected)
    {
        var result = Root().Parse(commandLine);

        Assert.Contains(result.Errors, e => e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("45s", 45)]
    [InlineData("5m", 300)]
    [InlineData("1h30m", 5400)]
    public void DurationParsing_KubectlDurations_RoundTrip(string text, int seconds)
    {
        Assert.True(DurationParsing.TryParse(text, out var value));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
        Assert.Equal(text, DurationParsing.Format(value));
    }

    private static RootCommand Root() => new()
    {
        DemoCommand.Create(), ProxyStatusCommand.Create(), TlsCheckCommand.Create(), InstallCommand.Create(), UninstallCommand.Create(),
        CheckCommand.Create(), DashboardCommand.Create(), ProxyConfigCommand.Create(),
    };
}
