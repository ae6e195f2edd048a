using System.Net.Http.Headers;
using Mesh.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// A mesh-wide RequestAuthentication whose keys the control plane fetches from a jwksUri served here: through the
/// real gateway, a valid token is admitted, a forged one is refused with 401, and a request without one passes.
/// </summary>
public sealed class RequestAuthenticationTests
{
    private const string Issuer = "https://issuer.mesh.test";

    [Fact]
    public async Task Gateway_JwksUriPolicy_ValidTokenAdmittedForgedRefused()
    {
        using var issuer = TestJwtIssuer.Rsa(Issuer);
        using var forger = TestJwtIssuer.Rsa(Issuer, issuer.KeyId);
        await using var keys = await StartKeyServerAsync(issuer.Jwks());
        var policy = $$"""
            apiVersion: security.istio.io/v1
            kind: RequestAuthentication
            metadata: { name: end-users, namespace: istio-system }
            spec:
              jwtRules:
              - issuer: {{Issuer}}
                jwksUri: {{Address(keys)}}/jwks.json
            """;
        await using var run = await MeshRun.StartAsync(configOverrides: new Dictionary<string, string> { ["request-authentication.yaml"] = policy });

        // The key set arrives in a push after the control plane fetched it; until then the issuer's tokens fail closed.
        await MeshRun.WaitUntilAsync(async () => (await SendAsync(run, issuer.Token())).Status == 200, TimeSpan.FromSeconds(60), "a valid token admitted");

        var forged = await SendAsync(run, forger.Token());
        var anonymous = await SendAsync(run, null);

        Assert.Equal(401, forged.Status);
        Assert.Equal("Jwt verification fails", forged.Body);
        Assert.Equal(200, anonymous.Status);
    }

    private static async Task<(int Status, string Body)> SendAsync(MeshRun run, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await run.Client.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string Address(WebApplication app) =>
        app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

    private static async Task<WebApplication> StartKeyServerAsync(string jwks)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/jwks.json", context => context.Response.WriteAsync(jwks));
        await app.StartAsync();
        return app;
    }
}
