using Mesh.Proxy.Pod;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Pod;

/// <summary>The real proxy with its status and readiness ports on 127.0.0.1, and a client for each.</summary>
internal sealed class StatusProxy : IAsyncDisposable
{
    private StatusProxy(TestProxy proxy, LogCapture logs)
    {
        Proxy = proxy;
        Logs = logs;
        var server = proxy.App.Services.GetRequiredService<StatusServer>();
        Status = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.StatusPort}") };
        Readiness = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{server.ReadinessPort}") };
        ReadinessPort = server.ReadinessPort!.Value;
    }

    public TestProxy Proxy { get; }

    public LogCapture Logs { get; }

    public HttpClient Status { get; }

    public HttpClient Readiness { get; }

    public int ReadinessPort { get; }

    /// <param name="probers">$ISTIO_KUBE_APP_PROBERS; null: none.</param>
    /// <param name="appMetrics">Where the application's metrics are; null: none.</param>
    public static async Task<StatusProxy> StartAsync(string? probers = null, AppMetricsScrape? appMetrics = null)
    {
        var probes = probers is null ? [] : AppProbeParser.TryParse(probers, out var error) ?? throw new InvalidOperationException(error);
        var logs = new LogCapture();
        var proxy = await TestProxy.StartAsync(configure: options => options with
        {
            Status = new StatusOptions { StatusPort = 0, ReadinessPort = 0, AppProbes = probes, AppMetrics = appMetrics },
        });
        proxy.App.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);
        return new StatusProxy(proxy, logs);
    }

    /// <summary>Pushes a whole config, so that the proxy is ready.</summary>
    public async Task ConfigureAsync(int upstreamPort) =>
        await Proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend", upstreamPort)], Listener("http.80", FreePort.Next(), "http.80"),
            Routes("http.80", Host("any", ["*"], ToCluster("backend"))));

    public async ValueTask DisposeAsync()
    {
        Status.Dispose();
        Readiness.Dispose();
        await Proxy.DisposeAsync();
        Logs.Dispose();
    }
}
