using Mesh.Contracts.Discovery;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Routing;

/// <summary>Runs a request through a compiled route table and says where it goes: a cluster name, or "404 NR".</summary>
internal sealed class RouteSimulation(RouteConfiguration config, Random? random = null)
{
    public const string NoRoute = "404 NR";

    private readonly RouteTable _table = RouteTableCompiler.Compile(config, "test");
    private readonly Random _random = random ?? new Random(1);

    public string Send(string method, string url, params (string Name, string Value)[] headers)
    {
        var uri = new Uri(url);
        var context = new DefaultHttpContext();
        var request = context.Request;
        request.Method = method;
        request.Scheme = uri.Scheme;
        request.Host = new HostString(uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}");
        request.Path = new PathString(uri.AbsolutePath);
        request.QueryString = new QueryString(uri.Query);
        foreach (var (name, value) in headers)
        {
            request.Headers.Append(name, value);
        }

        var route = _table.FindRoute(request);
        return route?.Forward?.PickCluster(_random).Name ?? (route is null ? NoRoute : route.Name);
    }

    public string Get(string url, params (string Name, string Value)[] headers) => Send("GET", url, headers);
}
