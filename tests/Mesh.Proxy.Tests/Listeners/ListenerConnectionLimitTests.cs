using Mesh.Contracts.Discovery;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Listeners;

/// <summary>A listener at its connection cap closes new connections at once and counts them, serves the ones it has, and serves new ones once some end.</summary>
public sealed class ListenerConnectionLimitTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Connect_PastTheCap_ClosedAtOnceCountedAndLoggedOnce()
    {
        // Silent clients stay open (a long first-bytes deadline) and hold the listener at its cap of two.
        var (proxy, port, name, logs) = await StartAsync(new ListenerLimits { MaxConnections = 2, ListenerFiltersTimeout = TimeSpan.FromMinutes(5) });
        await using var owned = proxy;
        using var first = await RawConnection.OpenAsync(port);
        using var second = await RawConnection.OpenAsync(port);
        await WaitUntilAsync(async () => await MetricAsync(proxy, ListenerMetrics.ActiveName, name) == 2, "both connections to be open");

        using var third = await RawConnection.OpenAsync(port);
        using var fourth = await RawConnection.OpenAsync(port);

        Assert.NotNull(await third.WaitClosedAsync(Bound));
        Assert.NotNull(await fourth.WaitClosedAsync(Bound));
        Assert.Equal(2, await MetricAsync(proxy, ListenerMetrics.RefusedName, name));
        Assert.Single(logs.Lines, line => line.EventId == 2007);
        Assert.Null(await first.WaitClosedAsync(TimeSpan.FromMilliseconds(200)));
    }

    [Fact]
    public async Task Connect_AfterAConnectionAtTheCapEnds_Served()
    {
        var (proxy, port, name, logs) = await StartAsync(new ListenerLimits { MaxConnections = 1, ListenerFiltersTimeout = TimeSpan.FromMinutes(5) });
        await using var owned = proxy;
        var holder = await RawConnection.OpenAsync(port);
        await WaitUntilAsync(async () => await MetricAsync(proxy, ListenerMetrics.ActiveName, name) == 1, "the connection to be open");
        using var refused = await RawConnection.OpenAsync(port);
        Assert.NotNull(await refused.WaitClosedAsync(Bound));

        holder.Dispose();
        await WaitUntilAsync(async () => await MetricAsync(proxy, ListenerMetrics.ActiveName, name) == 0, "the connection to end");
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false });
        var body = await client.GetStringAsync($"http://127.0.0.1:{port}/");

        Assert.Equal("ok", body);
        Assert.Contains(logs.Lines, line => line.EventId == 2008 && line.Message.Contains("after closing 1 new ones"));
    }

    private static async Task<(TestProxy Proxy, int Port, string Name, LogCapture Logs)> StartAsync(ListenerLimits limits)
    {
        var proxy = await TestProxy.StartAsync(limits: limits);
        var logs = new LogCapture();
        proxy.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        var port = FreePort.Next();
        var listener = Listener($"capped_{port}", port, "routes");
        var direct = new Mesh.Contracts.Discovery.Route { Name = "direct", Match = new RouteMatch(), DirectResponse = new DirectResponseAction { Status = 200, Body = "ok" } };
        await proxy.ApplyAsync([], [], listener, Routes("routes", Host("any", ["*"], direct)));
        return (proxy, port, listener.Name, logs);
    }

    private static async Task<double> MetricAsync(TestProxy proxy, string metric, string listener)
    {
        var text = await proxy.Admin.GetStringAsync("/stats/prometheus");
        var prefix = $"{metric}{{listener=\"{listener}\"}} ";
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        using var deadline = new CancellationTokenSource(Bound);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out waiting for {what}");
            }

            await Task.Delay(20);
        }
    }
}
