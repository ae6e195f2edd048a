using Google.Protobuf.WellKnownTypes;
using Mesh.Contracts.Discovery;
using Mesh.Istio;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Proxy.Configuration;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Istio-style simulation: YAML in, through the real loader and translation, then through the proxy's own compiler
/// and route table (listener → route configuration → virtual host by authority → first matching route), so
/// translation and the data path can never silently disagree.
/// </summary>
internal sealed class Simulation
{
    private Simulation(MeshSnapshot snapshot, Node node)
    {
        Snapshot = snapshot;
        Node = node;
        Resources = ProxyConfigGenerator.Generate(node, snapshot);
        _compiled = CompileAsTheProxyDoes(Resources);
    }

    private readonly ProxySnapshot _compiled;

    public MeshSnapshot Snapshot { get; }
    public Node Node { get; }
    public ProxyResources Resources { get; }

    public static MeshSnapshot Load(params string[] yaml) => MeshSnapshotBuilder.Build(1, LoadResources(yaml));

    /// <summary>The resources of the documents, which must load without errors.</summary>
    public static IReadOnlyList<IstioResource> LoadResources(params string[] yaml)
    {
        var result = IstioConfigLoader.LoadText(string.Join("\n---\n", yaml), "test.yaml");
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return result.Resources;
    }

    public static Simulation Sidecar(string workload, string ns, params string[] yaml) => new(Load(yaml), TestNodes.Sidecar(workload, ns));

    /// <summary>A proxy's view of a snapshot built elsewhere (with a platform registry, say).</summary>
    public static Simulation Of(MeshSnapshot snapshot, Node node) => new(snapshot, node);

    public static Simulation Router(string workload, string ns, IReadOnlyDictionary<string, string> labels, params string[] yaml) =>
        new(Load(yaml), TestNodes.Router(workload, ns, labels));

    public Cluster Cluster(string name) => Assert.Single(Resources.Clusters, c => c.Name == name);

    /// <summary>The cluster as the proxy compiled it: its endpoints and load-balancing state.</summary>
    public ClusterModel CompiledCluster(string name) => _compiled.Clusters[name];

    public ClusterLoadAssignment Endpoints(string clusterName) => Assert.Single(Resources.Endpoints, e => e.ClusterName == clusterName);

    /// <summary>A route configuration as its listener's table sees it: with its parts' virtual hosts (in name order) before its own.</summary>
    public RouteConfiguration RouteConfig(string name)
    {
        var whole = Assert.Single(Resources.Routes, r => r.Name == name);
        var parts = Resources.Routes.Where(r => r.PartOf == name).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        if (parts.Count == 0) return whole;
        var merged = new RouteConfiguration { Name = name };
        foreach (var part in parts) merged.VirtualHosts.AddRange(part.VirtualHosts);
        merged.VirtualHosts.AddRange(whole.VirtualHosts);
        return merged;
    }

    public VirtualHost VirtualHost(string routeConfig, string name) => Assert.Single(RouteConfig(routeConfig).VirtualHosts, v => v.Name == name);

    /// <summary>
    /// Sends a request into the listener on <paramref name="listenerPort"/> (the sidecar's outbound listener by default)
    /// and lets the proxy's own route table choose: virtual host by authority, then the first route that matches.
    /// </summary>
    public RouteOutcome? Request(string authority, string path = "/", IReadOnlyDictionary<string, string>? headers = null, uint? listenerPort = null)
    {
        var listener = Assert.Single(Resources.Listeners, l => listenerPort is null ? l.Name == "virtualOutbound" : l.Port == listenerPort);
        var table = _compiled.RouteTables[listener.RouteConfigName];
        var request = new DefaultHttpContext().Request;
        request.Method = "GET";
        request.Scheme = "http";
        request.Host = new HostString(authority);
        request.Path = new PathString(path);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.Append(name, value);

        var virtualHost = table.FindVirtualHost(request.Host.Value, request.IsHttps);
        var route = virtualHost?.FindRoute(request);
        if (route is null) return null;

        // The compiled route, and the one of the pushed configuration it was compiled from (the compiler keeps the order).
        var pushed = VirtualHost(listener.RouteConfigName, virtualHost!.Name);
        return new RouteOutcome(pushed, pushed.Routes[Array.IndexOf(virtualHost.Routes, route)], route);
    }

    /// <summary>
    /// Sends a request into the listener on <paramref name="listenerPort"/> and lets the proxy's own authorization decide:
    /// null when allowed, else the response code details of the denial (Envoy's rbac_access_denied_matched_policy[...]).
    /// </summary>
    public string? Authorize(uint listenerPort, AuthorizationProbe probe)
    {
        var listener = Assert.Single(_compiled.ListenersByEndPoint.Values, l => l.EndPoint.Port == listenerPort);
        if (listener.Authorization is not { } authorization) return null;
        return Mesh.Proxy.Authorization.RequestAuthorizer.Deny(authorization, new Mesh.Proxy.Authorization.HttpRequestAttributes(probe.ToContext(listenerPort), probe.Jwt));
    }

    /// <summary>The dry-run policies' decision alone, as the proxy records it.</summary>
    public string? AuthorizeDryRun(uint listenerPort, AuthorizationProbe probe)
    {
        var listener = Assert.Single(_compiled.ListenersByEndPoint.Values, l => l.EndPoint.Port == listenerPort);
        return Mesh.Proxy.Authorization.RequestAuthorizer.DryRunDeny(listener.Authorization!, new Mesh.Proxy.Authorization.HttpRequestAttributes(probe.ToContext(listenerPort), probe.Jwt));
    }

    /// <summary>
    /// Compiles what was generated for this proxy exactly as the proxy does on receipt, in push order; a resource the
    /// proxy would NACK fails the test with the proxy's own reason.
    /// </summary>
    private static ProxySnapshot CompileAsTheProxyDoes(ProxyResources resources)
    {
        // ISTIO_MUTUAL clusters only need the proxy to have an identity to compile; no certificate is needed.
        var compiler = new SnapshotCompiler(new ClusterCompiler(TimeProvider.System, new WorkloadIdentityStore { IsEnabled = true }));
        var snapshot = ProxySnapshot.Empty;
        foreach (var typeUrl in TypeUrls.PushOrder)
        {
            var response = new DiscoveryResponse { TypeUrl = typeUrl, VersionInfo = "1", Nonce = "1" };
            foreach (var resource in resources.OfType(typeUrl)) response.Resources.Add(Any.Pack(resource));
            try
            {
                snapshot = compiler.Compile(snapshot, response);
            }
            catch (ConfigRejectedException ex)
            {
                Assert.Fail($"The proxy would NACK the generated {TypeUrls.ShortName(typeUrl)}: {ex.Message}");
            }
        }
        return snapshot;
    }
}
