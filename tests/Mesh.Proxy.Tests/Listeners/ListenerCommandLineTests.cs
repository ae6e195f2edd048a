using Mesh.Proxy.Listeners;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>The listener limits on the proxy's command line: defaults, every flag, and a clear error for each bad value.</summary>
public sealed class ListenerCommandLineTests
{
    private static readonly string[] Router = ["router", "--workload", "gw", "--namespace", "ns", "--discovery", "http://127.0.0.1:1", "--admin-port", "15000"];

    [Fact]
    public void TryParse_NoLimitFlags_EnvoysDefaults()
    {
        var options = ProxyCommandLine.TryParse(Router, out var error);

        Assert.True(options is not null, error);
        Assert.Equal(10_000, options.Listeners.MaxConnections);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Listeners.ListenerFiltersTimeout);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Listeners.TlsHandshakeTimeout);
        Assert.Equal(TimeSpan.FromSeconds(30), options.Listeners.RequestHeadersTimeout);
        Assert.Equal(TimeSpan.FromHours(1), options.Listeners.IdleTimeout);
        Assert.Equal(TimeSpan.FromMinutes(10), options.Listeners.StreamIdleTimeout);
        Assert.Equal(TimeSpan.FromSeconds(5), options.Listeners.TerminationDrainDuration);
    }

    [Fact]
    public void TryParse_EveryLimitFlag_Applied()
    {
        var options = ProxyCommandLine.TryParse(
            [.. Router, "--max-connections-per-listener", "0", "--listener-filters-timeout", "0.5", "--tls-handshake-timeout", "2",
             "--request-headers-timeout", "3", "--idle-timeout", "300", "--stream-idle-timeout", "120",
             "--termination-drain-duration", "0"],
            out var error);

        Assert.True(options is not null, error);
        Assert.Equal(new ListenerLimits
        {
            MaxConnections = 0,
            ListenerFiltersTimeout = TimeSpan.FromMilliseconds(500),
            TlsHandshakeTimeout = TimeSpan.FromSeconds(2),
            RequestHeadersTimeout = TimeSpan.FromSeconds(3),
            IdleTimeout = TimeSpan.FromMinutes(5),
            StreamIdleTimeout = TimeSpan.FromMinutes(2),
            TerminationDrainDuration = TimeSpan.Zero,
        }, options.Listeners);
    }

    [Theory]
    [InlineData("--max-connections-per-listener '-1'", "--max-connections-per-listener", "-1")]
    [InlineData("--max-connections-per-listener 'many'", "--max-connections-per-listener", "many")]
    [InlineData("--listener-filters-timeout '0'", "--listener-filters-timeout", "0")]
    [InlineData("--tls-handshake-timeout 'soon'", "--tls-handshake-timeout", "soon")]
    [InlineData("--request-headers-timeout '-5'", "--request-headers-timeout", "-5")]
    [InlineData("--idle-timeout '100000'", "--idle-timeout", "100000")]
    [InlineData("--stream-idle-timeout '0'", "--stream-idle-timeout", "0")]
    [InlineData("--termination-drain-duration '-1'", "--termination-drain-duration", "-1")]
    [InlineData("--termination-drain-duration '5s'", "--termination-drain-duration", "5s")]
    public void TryParse_BadLimit_SaysWhatIsWrong(string expected, string flag, string value)
    {
        Assert.Null(ProxyCommandLine.TryParse([.. Router, flag, value], out var error));
        Assert.Contains(expected, error);
    }
}
