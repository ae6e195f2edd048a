using System.Net;
using Grpc.Health.V1;
using Grpc.HealthCheck;
using Mesh.Proxy.Pod;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Pod;

/// <summary>
/// The status port as the kubelet uses it in an injected pod: /healthz/ready, and the application's rewritten probes run
/// against a real application on 127.0.0.1 (HTTP, TCP, grpc.health.v1).
/// </summary>
public sealed class AppProbeTests
{
    private const int ProbeFailingEvent = 6002;
    private const int ProbePassingEvent = 6003;

    [Fact]
    public async Task HealthzReady_BeforeAndAfterTheConfig_503Then200OnBothPorts()
    {
        await using var upstream = await UpstreamServer.StartAsync(context => context.Response.WriteAsync("ok"));
        await using var proxy = await StatusProxy.StartAsync();

        using var before = await proxy.Readiness.GetAsync("/healthz/ready");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, before.StatusCode);
        Assert.Contains("waiting for listeners, routes, clusters and endpoints", await before.Content.ReadAsStringAsync());

        await proxy.ConfigureAsync(upstream.Port);

        Assert.Equal(HttpStatusCode.OK, (await proxy.Readiness.GetAsync("/healthz/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await proxy.Status.GetAsync("/healthz/ready")).StatusCode);
        Assert.Single(proxy.Logs.Lines, l => l.EventId == 6006);
    }

    [Fact]
    public async Task ReadinessPort_AnyOtherPath_404()
    {
        await using var proxy = await StatusProxy.StartAsync("""{"/app-health/web/livez":{"tcpSocket":{"port":1}}}""");

        Assert.Equal(HttpStatusCode.NotFound, (await proxy.Readiness.GetAsync("/stats/prometheus")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await proxy.Readiness.GetAsync("/app-health/web/livez")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await proxy.Status.GetAsync("/config_dump")).StatusCode);
    }

    [Fact]
    public async Task HttpGet_ApplicationAnswers200_200WithItsBodyFrom127006WithTheProbesHeaders()
    {
        string? remote = null, host = null, header = null, userAgent = null;
        await using var app = await UpstreamServer.StartAsync(context =>
        {
            remote = context.Connection.RemoteIpAddress?.ToString();
            host = context.Request.Host.Value;
            header = context.Request.Headers["X-Probe"];
            userAgent = context.Request.Headers.UserAgent;
            return context.Response.WriteAsync(context.Request.Path == "/healthz" ? "healthy" : "wrong path");
        });
        await using var proxy = await StatusProxy.StartAsync(
            """{"/app-health/web/livez":{"httpGet":{"path":"/healthz","port":APP_PORT,"httpHeaders":[{"name":"X-Probe","value":"yes"}]},"timeoutSeconds":10}}""".Replace("APP_PORT", $"{app.Port}"));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/app-health/web/livez");
        request.Headers.UserAgent.ParseAdd("kube-probe/1.31");
        using var response = await proxy.Status.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", await response.Content.ReadAsStringAsync());
        Assert.Equal("127.0.0.6", remote);
        Assert.Equal($"127.0.0.1:{app.Port}", host);
        Assert.Equal("yes", header);
        Assert.Equal("kube-probe/1.31", userAgent);
        Assert.Single(proxy.Logs.Lines, l => l.EventId == ProbePassingEvent);
    }

    [Fact]
    public async Task HttpGet_ApplicationAnswers500_500AndOneLogLineForSeveralProbes()
    {
        await using var app = await UpstreamServer.StartAsync(context =>
        {
            context.Response.StatusCode = 500;
            return context.Response.WriteAsync("database down");
        });
        await using var proxy = await StatusProxy.StartAsync("""{"/app-health/web/readyz":{"httpGet":{"port":APP_PORT},"timeoutSeconds":10}}""".Replace("APP_PORT", $"{app.Port}"));

        for (var i = 0; i < 3; i++)
        {
            using var response = await proxy.Status.GetAsync("/app-health/web/readyz");
            Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
            Assert.Equal("database down", await response.Content.ReadAsStringAsync());
        }

        var failing = Assert.Single(proxy.Logs.Lines, l => l.EventId == ProbeFailingEvent);
        Assert.Equal("application probe /app-health/web/readyz failing: / answered 500", failing.Message);
    }

    [Fact]
    public async Task HttpGet_RedirectOnTheSameHostFollowed_RedirectElsewhereIs200()
    {
        await using var app = await UpstreamServer.StartAsync(context =>
        {
            switch (context.Request.Path.Value)
            {
                case "/moved":
                    context.Response.Redirect("/broken");
                    break;
                case "/away":
                    context.Response.Redirect("http://example.invalid/healthz");
                    break;
                default:
                    context.Response.StatusCode = 503;
                    break;
            }

            return Task.CompletedTask;
        });
        await using var proxy = await StatusProxy.StartAsync(
            """{"/app-health/web/livez":{"httpGet":{"path":"/moved","port":APP_PORT},"timeoutSeconds":10},"/app-health/web/readyz":{"httpGet":{"path":"/away","port":APP_PORT},"timeoutSeconds":10}}""".Replace("APP_PORT", $"{app.Port}"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await proxy.Status.GetAsync("/app-health/web/livez")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await proxy.Status.GetAsync("/app-health/web/readyz")).StatusCode);
    }

    [Fact]
    public async Task HttpGet_NoAnswerWithinTheTimeout_500NamingTheTimeout()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await UpstreamServer.StartAsync(async _ => await release.Task);
        try
        {
            await using var proxy = await StatusProxy.StartAsync("""{"/app-health/web/livez":{"httpGet":{"port":APP_PORT},"timeoutSeconds":1}}""".Replace("APP_PORT", $"{app.Port}"));

            Assert.Equal(HttpStatusCode.InternalServerError, (await proxy.Status.GetAsync("/app-health/web/livez")).StatusCode);
            Assert.Contains(proxy.Logs.Lines, l => l.Message == "application probe /app-health/web/livez failing: no answer within 1 s");
        }
        finally
        {
            release.SetResult();
        }
    }

    [Fact]
    public async Task TcpSocket_OpenAndClosedPorts_200And500()
    {
        await using var app = await UpstreamServer.StartAsync(_ => Task.CompletedTask);
        var closed = FreePort.Next();
        await using var proxy = await StatusProxy.StartAsync(
            """{"/app-health/web/livez":{"tcpSocket":{"port":APP_PORT},"timeoutSeconds":10},"/app-lifecycle/web/poststartz":{"tcpSocket":{"port":CLOSED_PORT},"timeoutSeconds":10}}""".Replace("APP_PORT", $"{app.Port}").Replace("CLOSED_PORT", $"{closed}"));

        Assert.Equal(HttpStatusCode.OK, (await proxy.Status.GetAsync("/app-health/web/livez")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await proxy.Status.GetAsync("/app-lifecycle/web/poststartz")).StatusCode);
        Assert.Contains(proxy.Logs.Lines, l => l.EventId == ProbeFailingEvent && l.Message.Contains("/app-lifecycle/web/poststartz", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Grpc_ServingNotServingAndUnknownService_200500500()
    {
        var health = new HealthServiceImpl();
        health.SetStatus("", HealthCheckResponse.Types.ServingStatus.Serving);
        health.SetStatus("orders.v1", HealthCheckResponse.Types.ServingStatus.NotServing);
        await using var app = await StartGrpcAppAsync(health);
        var port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        await using var proxy = await StatusProxy.StartAsync(
            """
            {"/app-health/api/livez":{"grpc":{"port":GRPC_PORT},"timeoutSeconds":10},
             "/app-health/api/readyz":{"grpc":{"port":GRPC_PORT,"service":"orders.v1"},"timeoutSeconds":10},
             "/app-health/api/startupz":{"grpc":{"port":GRPC_PORT,"service":"nobody"},"timeoutSeconds":10}}
            """.Replace("GRPC_PORT", $"{port}"));

        Assert.Equal(HttpStatusCode.OK, (await proxy.Status.GetAsync("/app-health/api/livez")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await proxy.Status.GetAsync("/app-health/api/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, (await proxy.Status.GetAsync("/app-health/api/startupz")).StatusCode);
        Assert.Contains(proxy.Logs.Lines, l => l.Message == "application probe /app-health/api/readyz failing: grpc health status NotServing");
        Assert.Contains(proxy.Logs.Lines, l => l.Message.StartsWith("application probe /app-health/api/startupz failing: NotFound", StringComparison.Ordinal));

        health.SetStatus("orders.v1", HealthCheckResponse.Types.ServingStatus.Serving);
        Assert.Equal(HttpStatusCode.OK, (await proxy.Status.GetAsync("/app-health/api/readyz")).StatusCode);
    }

    [Fact]
    public async Task AppHealth_NoSuchProbe_400()
    {
        await using var proxy = await StatusProxy.StartAsync("""{"/app-health/web/livez":{"tcpSocket":{"port":1}}}""");

        using var response = await proxy.Status.GetAsync("/app-health/other/livez");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(proxy.Logs.Lines, l => l.EventId == 6010);
    }

    [Fact]
    public async Task QuitQuitQuit_PostFromLoopback_StopsTheProxy()
    {
        await using var proxy = await StatusProxy.StartAsync();
        var lifetime = proxy.Proxy.App.Services.GetRequiredService<IHostApplicationLifetime>();

        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await proxy.Status.GetAsync("/quitquitquit")).StatusCode);
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested);
        Assert.Equal(HttpStatusCode.OK, (await proxy.Status.PostAsync("/quitquitquit", null)).StatusCode);
        Assert.True(lifetime.ApplicationStopping.IsCancellationRequested);
    }

    private static async Task<WebApplication> StartGrpcAppAsync(HealthServiceImpl health)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(health);
        var app = builder.Build();
        app.MapGrpcService<HealthServiceImpl>();
        await app.StartAsync();
        return app;
    }
}
