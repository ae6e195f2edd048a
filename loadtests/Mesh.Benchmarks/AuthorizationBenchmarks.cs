using System.Net;
using BenchmarkDotNet.Attributes;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Authorization;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;
using Authorization = Mesh.Contracts.Discovery.Authorization;

namespace Mesh.Benchmarks;

/// <summary>
/// What AuthorizationPolicy costs a request on a listener that has it (one without pays a null check): a typical set,
/// a DENY rule on a path prefix and an ALLOW rule naming three principals and a method, allowed and denied; and ten
/// ALLOW rules none of which matches (every rule evaluated).
/// </summary>
[MemoryDiagnoser]
public class AuthorizationBenchmarks
{
    private AuthorizationModel _typical = null!;
    private AuthorizationModel _tenRulesNoneMatching = null!;
    private HttpContext _fromFrontend = null!;
    private HttpContext _toAdmin = null!;

    [GlobalSetup]
    public void Setup()
    {
        var typical = new Authorization
        {
            Policies =
            {
                Policy("deny-admin", AuthorizationAction.Deny, Rule(Match(AuthorizationAttribute.Path, "/admin*"))),
                Policy("allow-callers", AuthorizationAction.Allow, Rule(
                    Match(AuthorizationAttribute.Principal, "cluster.local/ns/default/sa/gateway", "cluster.local/ns/default/sa/batch", "cluster.local/ns/default/sa/frontend"),
                    Match(AuthorizationAttribute.Method, "GET", "POST"))),
            },
        };
        _typical = AuthorizationCompiler.Compile(typical, "bench");

        var many = new AuthorizationPolicy { Name = "many", Namespace = "default", Action = AuthorizationAction.Allow };
        for (var i = 0; i < 10; i++)
        {
            many.Rules.Add(Rule(Match(AuthorizationAttribute.Namespace, $"team-{i}"), Match(AuthorizationAttribute.Path, $"/team-{i}/*")));
        }
        _tenRulesNoneMatching = AuthorizationCompiler.Compile(new Authorization { Policies = { many } }, "bench");

        _fromFrontend = Request("/api/items");
        _toAdmin = Request("/admin/users");
    }

    [Benchmark(Baseline = true)]
    public string? TypicalPolicies_Allowed() => RequestAuthorizer.Deny(_typical, new HttpRequestAttributes(_fromFrontend, null));

    [Benchmark]
    public string? TypicalPolicies_DeniedByDenyRule() => RequestAuthorizer.Deny(_typical, new HttpRequestAttributes(_toAdmin, null));

    [Benchmark]
    public string? TenAllowRules_NoneMatching() => RequestAuthorizer.Deny(_tenRulesNoneMatching, new HttpRequestAttributes(_fromFrontend, null));

    private static HttpContext Request(string path)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Loopback;
        context.Connection.LocalPort = 15006;
        context.Request.Method = "GET";
        context.Request.Host = new HostString("backend.default.svc.cluster.local:9080");
        context.Request.Path = path;
        context.Features.Set(new PeerIdentityFeature { SpiffeId = "spiffe://cluster.local/ns/default/sa/frontend" });
        return context;
    }

    private static AuthorizationPolicy Policy(string name, AuthorizationAction action, AuthorizationRule rule) =>
        new() { Name = name, Namespace = "default", Action = action, Rules = { rule } };

    private static AuthorizationRule Rule(params AuthorizationMatch[] when) => new() { When = { when } };

    private static AuthorizationMatch Match(AuthorizationAttribute attribute, params string[] values) => new() { Attribute = attribute, Values = { values } };
}
