using System.Net;
using Mesh.Proxy.Pod;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Pod;

/// <summary>`Mesh.Proxy wait`: the postStart hook that holds the application until the proxy is ready.</summary>
public sealed class WaitCommandTests
{
    [Fact]
    public async Task RunAsync_TheProxyBecomesReady_Exit0()
    {
        await using var upstream = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("ok"));
        await using var proxy = await StatusProxy.StartAsync();
        var output = new StringWriter();
        var errors = new StringWriter();

        var wait = WaitCommand.RunAsync(["wait", "--readiness-port", $"{proxy.ReadinessPort}", "--timeout-seconds", "60", "--period-millis", "50"], output, errors, CancellationToken.None);
        // Not ready before the config: the command keeps waiting (it has polled at least once when the proxy logged "not ready").
        await WaitUntilAsync(() => proxy.Logs.Lines.Any(l => l.EventId == 6007));
        Assert.False(wait.IsCompleted);
        await proxy.ConfigureAsync(upstream.Port);

        Assert.Equal(0, await wait);
        Assert.Contains("the proxy is ready", output.ToString());
        Assert.Empty(errors.ToString());
    }

    [Fact]
    public async Task RunAsync_NeverReady_Exit1WithTheLastAnswer()
    {
        await using var proxy = await StatusProxy.StartAsync();
        var errors = new StringWriter();

        var code = await WaitCommand.RunAsync(["wait", "--readiness-port", $"{proxy.ReadinessPort}", "--timeout-seconds", "1", "--period-millis", "50"], TextWriter.Null, errors, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Equal(
            $"Mesh.Proxy wait: the proxy was not ready within 1 s at http://127.0.0.1:{proxy.ReadinessPort}/healthz/ready: 503 NOT READY: waiting for listeners, routes, clusters and endpoints",
            errors.ToString().Trim());
    }

    [Fact]
    public async Task RunAsync_NothingListening_Exit1NamingTheRefusal()
    {
        var errors = new StringWriter();

        var code = await WaitCommand.RunAsync(["wait", "--readiness-port", $"{FreePort.Next()}", "--timeout-seconds", "1"], TextWriter.Null, errors, CancellationToken.None);

        Assert.Equal(1, code);
        Assert.Matches("not ready within 1 s at http://127.0.0.1:[0-9]+/healthz/ready: Connection refused", errors.ToString());
    }

    [Theory]
    [InlineData(new[] { "wait" }, "missing required option '--readiness-port'")]
    [InlineData(new[] { "wait", "--readiness-port", "$(READINESS_PORT)" }, "--readiness-port '$(READINESS_PORT)': not expanded: is READINESS_PORT set in the container's env?")]
    [InlineData(new[] { "wait", "--readiness-port", "15021", "--timeout-seconds", "0" }, "--timeout-seconds '0': expected a positive whole number")]
    [InlineData(new[] { "wait", "--port", "15021" }, "unknown option '--port'")]
    public async Task RunAsync_BadCommandLine_Exit2WithTheReason(string[] args, string expected)
    {
        var errors = new StringWriter();

        Assert.Equal(2, await WaitCommand.RunAsync(args, TextWriter.Null, errors, CancellationToken.None));
        Assert.StartsWith($"Mesh.Proxy wait: {expected}", errors.ToString());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, deadline.Token);
        }
    }
}
