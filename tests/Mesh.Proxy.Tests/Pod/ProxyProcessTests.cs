using System.Diagnostics;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Pod;

/// <summary>The real executable, as the kubelet runs it: the postStart hook's exit code, and a pod spec mistake's message.</summary>
public sealed class ProxyProcessTests
{
    [Fact]
    public async Task Wait_ReadyProxyThenNothingListening_Exit0ThenExit1()
    {
        await using var upstream = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("ok"));
        await using var proxy = await StatusProxy.StartAsync();
        await proxy.ConfigureAsync(upstream.Port);

        var ready = await RunAsync("wait", "--readiness-port", $"{proxy.ReadinessPort}", "--timeout-seconds", "30");
        var absent = await RunAsync("wait", "--readiness-port", $"{FreePort.Next()}", "--timeout-seconds", "1");

        Assert.True(ready.Code == 0, ready.Errors);
        Assert.Contains("the proxy is ready", ready.Output);
        Assert.Equal(1, absent.Code);
        Assert.Contains("not ready within 1 s", absent.Errors);
    }

    [Fact]
    public async Task Sidecar_UnexpandedPodName_Exit2NamingTheVariable()
    {
        var result = await RunAsync("sidecar", "--workload", "$(POD_NAME)", "--namespace", "default", "--discovery", "http://127.0.0.1:1",
            "--app", "127.0.0.1:8080", "--outbound-port", "15001", "--admin-port", "15000");

        Assert.Equal(2, result.Code);
        Assert.StartsWith("Mesh.Proxy: --workload '$(POD_NAME)': not expanded: is POD_NAME set in the container's env?", result.Errors);
    }

    [Fact]
    public async Task Router_LogLevelFromTheEnvironment_AsTheInjectorWritesIt_HidesTheLevelsBelow()
    {
        // sidecar.istio.io/logLevel: warning becomes this variable in the injected container.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mesh.Proxy.dll"));
        // A metrics port of its own: the default, 15090, may be another test's at the same moment.
        var metricsPort = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        foreach (var arg in new[] { "router", "--workload", "gw", "--namespace", "istio-system", "--discovery", $"http://127.0.0.1:{FreePort.Next()}", "--admin-port", "0", "--metrics-port", metricsPort })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Mesh.Proxy did not start");
        var lines = new List<string>();
        try
        {
            // Until its first warning (the control plane refuses it), which comes after its start-up information lines.
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (await process.StandardOutput.ReadLineAsync(deadline.Token) is { } line)
            {
                lines.Add(line);
                if (line.Contains(" warn: ", StringComparison.Ordinal)) break;
            }
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        Assert.Contains(lines, line => line.Contains("warn: Mesh.Proxy.Discovery.DiscoveryClient[1004]", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, line => line.Contains(" info: ", StringComparison.Ordinal));
    }

    private static async Task<(int Code, string Output, string Errors)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Mesh.Proxy.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Mesh.Proxy did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token);
        return (process.ExitCode, await output, await errors);
    }
}
