using Mesh.Proxy.Identity;
using Mesh.Security;

namespace Mesh.Proxy.Tests.Identity;

public sealed class IdentityCommandLineTests
{
    private static readonly string Token = new BootstrapToken(new byte[32]).Create(new SpiffeId("cluster.local", "default", "backend"));

    private static readonly string[] Sidecar =
        ["sidecar", "--workload", "backend-v1", "--namespace", "default", "--discovery", "http://127.0.0.1:15010",
         "--app", "127.0.0.1:8081", "--outbound-port", "15001", "--admin-port", "15000"];

    [Fact]
    public void TryApply_NoTokenAnywhere_NoIdentity()
    {
        var options = IdentityCommandLine.TryApply(Parse(Sidecar), new Dictionary<string, string>(), _ => null, out var error);
        Assert.NotNull(options);
        Assert.Null(options.Identity.Token);
        Assert.Equal(IdentityOptions.DefaultRenewFraction, options.Identity.RenewFraction);
        Assert.Empty(error);
    }

    [Fact]
    public void TryApply_TokenFromTheEnvironmentAndFlags_Applied()
    {
        var values = new Dictionary<string, string> { ["--cert-ttl-seconds"] = "60", ["--cert-renew-fraction"] = "0.5" };
        var options = IdentityCommandLine.TryApply(Parse(Sidecar), values, name => name == IdentityOptions.TokenVariable ? Token : null, out _)!;
        Assert.Equal(Token, options.Identity.Token);
        Assert.Equal(TimeSpan.FromSeconds(60), options.Identity.Lifetime);
        Assert.Equal(0.5, options.Identity.RenewFraction);
    }

    [Theory]
    [InlineData("--ca-token", "not-a-token", "--ca-token")]
    [InlineData("--cert-ttl-seconds", "0", "--cert-ttl-seconds")]
    [InlineData("--cert-renew-fraction", "1.5", "--cert-renew-fraction")]
    public void TryApply_BadValue_ErrorNamesTheFlag(string flag, string value, string named)
    {
        Assert.Null(IdentityCommandLine.TryApply(Parse(Sidecar), new Dictionary<string, string> { [flag] = value }, _ => null, out var error));
        Assert.Contains(named, error);
    }

    [Fact]
    public void ProxyCommandLine_CaTokenFlag_ReachesTheOptions()
    {
        var options = ProxyCommandLine.TryParse([.. Sidecar, "--ca-token", Token], out var error);
        Assert.True(options is not null, error);
        Assert.Equal(Token, options.Identity.Token);
    }

    private static ProxyOptions Parse(string[] args) => ProxyCommandLine.TryParse(args, out var error) ?? throw new InvalidOperationException(error);
}
