using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Proxy.Tests.Observability;
using static Mesh.Proxy.Tests.Infrastructure.MeshConfig;

namespace Mesh.Proxy.Tests.Authorization;

/// <summary>A listener's authorization on the real proxy: denied requests answered 403 before routing and never forwarded.</summary>
public sealed class AuthorizationTests
{
    [Fact]
    public async Task Request_DeniedByDenyRuleOrNoAllowRule_403RbacAccessDeniedNeverForwarded_AllowedOnesForwarded()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var authorization = new Contracts.Discovery.Authorization
        {
            Policies =
            {
                Policy("deny-admin", AuthorizationAction.Deny, Match(AuthorizationAttribute.Path, "/admin*")),
                Policy("allow-get", AuthorizationAction.Allow, Match(AuthorizationAttribute.Method, "GET")),
            },
        };
        var (proxy, client) = await StartAsync(upstream, authorization);
        await using var owned = proxy;

        using var allowed = await client.GetAsync("/");
        using var denied = await client.GetAsync("/admin/users");
        using var notAllowed = await client.PostAsync("/", new StringContent("x"));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        Assert.Equal("RBAC: access denied", await denied.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, notAllowed.StatusCode);
        Assert.Equal("RBAC: access denied", await notAllowed.Content.ReadAsStringAsync());
        Assert.Equal(1, upstream.Requests);
        var metrics = await Exposition.ScrapeAfterRequestsAsync(proxy.Admin, 3);
        Assert.Equal(2, Exposition.Series(metrics, "istio_requests_total", ("response_code", "403")).Value);
    }

    [Fact]
    public async Task Push_AuthorizationWithAValueTheProxyCannotRead_NackedWithTheFieldPath()
    {
        await using var upstream = await UpstreamServer.StartAsync(UpstreamServer.Echo);
        var proxy = await TestProxy.StartAsync();
        await using var owned = proxy;
        var listener = Listener("outbound", FreePort.Next(), "outbound");
        listener.Authorization = new Contracts.Discovery.Authorization { Policies = { Policy("bad", AuthorizationAction.Deny, Match(AuthorizationAttribute.SourceIp, "10.0.0.300")) } };

        var answer = await proxy.Stream.PushAsync(Response(TypeUrls.Listener, "1", listener));

        Assert.NotNull(answer.ErrorDetail);
        Assert.Contains("authorization.policies[0] 'default/bad'.rules[0].when[0].values[0]: '10.0.0.300' is not an IP address or CIDR range", answer.ErrorDetail.Message, StringComparison.Ordinal);
    }

    private static AuthorizationPolicy Policy(string name, AuthorizationAction action, AuthorizationMatch when) => new()
    {
        Name = name,
        Namespace = "default",
        Action = action,
        Rules = { new AuthorizationRule { When = { when } } },
    };

    private static AuthorizationMatch Match(AuthorizationAttribute attribute, string value) => new() { Attribute = attribute, Values = { value } };

    private static async Task<(TestProxy Proxy, HttpClient Client)> StartAsync(UpstreamServer upstream, Contracts.Discovery.Authorization authorization)
    {
        var proxy = await TestProxy.StartAsync();
        var port = FreePort.Next();
        var listener = Listener("inbound", port, "inbound");
        listener.Authorization = authorization;
        await proxy.ApplyAsync([Cluster("backend")], [Endpoints("backend", upstream.Port)], listener, Routes("inbound", Host("backend", ["*"], ToCluster("backend"))));
        return (proxy, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") });
    }
}
