using System.Net;
using Mesh.Proxy.Admin;
using Mesh.Proxy.Observability;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Pod;

/// <summary>
/// What the status and readiness ports answer. The readiness port serves /healthz/ready only (it is the one gateway
/// Services expose); the status port adds the application's probes, the merged metrics and /quitquitquit.
/// </summary>
internal sealed class StatusApplication(
    IHttpContextFactory contextFactory,
    ProxyReadiness readiness,
    AppProber prober,
    MetricsMerger metrics,
    ProxyOptions options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<StatusApplication> logger) : IHttpApplication<HttpContext>
{
    public const string ReadyPath = "/healthz/ready";

    private readonly RateLimitedLog _unknownProbes = new(new EventId(6010), 1, TimeSpan.FromMinutes(1), time);
    private int _ready = -1;

    /// <summary>The readiness port as bound (port 0 binds any); set before the server accepts.</summary>
    public int ReadinessPort { get; set; } = -1;

    public HttpContext CreateContext(IFeatureCollection contextFeatures) => contextFactory.Create(contextFeatures);

    public void DisposeContext(HttpContext context, Exception? exception) => contextFactory.Dispose(context);

    public Task ProcessRequestAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        if (path == ReadyPath)
        {
            return ReadyAsync(context);
        }

        if (context.Connection.LocalPort == ReadinessPort)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        }

        if (path.StartsWith("/app-health/", StringComparison.Ordinal) || path.StartsWith("/app-lifecycle/", StringComparison.Ordinal))
        {
            if (options.Status.AppProbes.TryGetValue(path, out var probe))
            {
                return prober.ProbeAsync(context, probe);
            }

            // As Istio's agent: a probe path nobody configured is the pod spec's mistake, 400 and said so.
            if (_unknownProbes.TryEnter(logger, LogLevel.Warning))
            {
                StatusLog.UnknownProbe(logger, path, AppProbeParser.Variable);
            }

            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync($"no application probe is configured for {path}\n");
        }

        return path switch
        {
            "/stats/prometheus" or "/metrics" => metrics.WriteAsync(context),
            "/quitquitquit" => QuitAsync(context),
            _ => NotFound(context),
        };
    }

    private static Task NotFound(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }

    private Task ReadyAsync(HttpContext context)
    {
        var reason = readiness.DescribeNotReady();
        var ready = reason is null ? 1 : 0;
        if (Interlocked.Exchange(ref _ready, ready) != ready)
        {
            if (reason is null)
            {
                StatusLog.Ready(logger);
            }
            else
            {
                StatusLog.NotReady(logger, reason);
            }
        }

        if (reason is null)
        {
            return context.Response.WriteAsync("LIVE\n");
        }

        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        return context.Response.WriteAsync($"NOT READY: {reason}\n");
    }

    /// <summary>Istio's: a POST from the pod itself (a job's last step, say) stops the proxy, with its drain.</summary>
    private Task QuitAsync(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is not { } remote || !IPAddress.IsLoopback(remote))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync("only requests from localhost are allowed\n");
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return Task.CompletedTask;
        }

        StatusLog.Quit(logger, remote.ToString());
        lifetime.StopApplication();
        return context.Response.WriteAsync("OK");
    }
}
