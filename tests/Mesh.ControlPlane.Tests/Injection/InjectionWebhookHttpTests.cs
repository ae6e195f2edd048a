using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.ControlPlane.Injection;
using Mesh.Injection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Injection;

/// <summary>The /inject mapping on a real server on 127.0.0.1: Istio's statuses, its path forms, the log line per review.</summary>
public sealed class InjectionWebhookHttpTests
{
    [Fact]
    public async Task Post_StatusesAndPaths_AsIstiosWebhook()
    {
        using var capture = new LogCapture();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var app = builder.Build();
        var injector = new SidecarInjector(new InjectionSettings());
        InjectionWebhook.Map(app, () => injector, () => ProxyConfigSet.Empty, capture.CreateLogger("inject"));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };
        var review = AdmissionHandlerTests.Review("default", """{"metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"app"}]}}""");

        using var empty = await client.PostAsync("/inject", new ByteArrayContent([]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } });
        using var yaml = await client.PostAsync("/inject", new StringContent(review, Encoding.UTF8, "application/yaml"));
        using var injected = await client.PostAsync("/inject/", new StringContent(review, Encoding.UTF8, "application/json"));
        using var remote = await client.PostAsync("/inject/cluster/east/net/n1", new StringContent(review, Encoding.UTF8, "application/json"));
        using var tooLarge = await client.PostAsync("/inject", new ByteArrayContent(new byte[AdmissionHandler.MaxBodyBytes + 1]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } });

        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, yaml.StatusCode);
        Assert.Equal(HttpStatusCode.OK, injected.StatusCode);
        Assert.Equal("application/json", injected.Content.Headers.ContentType?.MediaType);
        var answer = JsonNode.Parse(await injected.Content.ReadAsStringAsync())!["response"]!;
        Assert.Equal("u-1", answer["uid"]!.GetValue<string>());
        Assert.Equal("JSONPatch", answer["patchType"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, remote.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, tooLarge.StatusCode);
        Assert.Contains(capture.Lines, entry => entry.EventId == 450 && entry.Message.Contains("default/p", StringComparison.Ordinal));
        Assert.Contains(capture.Lines, entry => entry.EventId == 453 && entry.Message.Contains("415", StringComparison.Ordinal));
    }
}
