using System.Text.RegularExpressions;
using Mesh.Contracts.Discovery;
using Mesh.Contracts.Istio;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// Istio-style simulation: YAML in, through the real loader and translation, then requests resolved the way the proxy
/// resolves them (listener → route configuration → virtual host by authority → first matching route).
/// </summary>
internal sealed class Simulation
{
    private Simulation(MeshSnapshot snapshot, Node node)
    {
        Snapshot = snapshot;
        Node = node;
        Resources = ProxyConfigGenerator.Generate(node, snapshot);
    }

    public MeshSnapshot Snapshot { get; }
    public Node Node { get; }
    public ProxyResources Resources { get; }

    public static MeshSnapshot Load(params string[] yaml)
    {
        var result = IstioConfigLoader.LoadText(string.Join("\n---\n", yaml), "test.yaml");
        Assert.True(result.Errors.Count == 0, string.Join("\n", result.Errors));
        return MeshSnapshotBuilder.Build(1, result.Resources);
    }

    public static Simulation Sidecar(string workload, string ns, params string[] yaml) =>
        new(Load(yaml), new Node
        {
            Id = $"sidecar~{workload}.{ns}",
            Role = ProxyRole.Sidecar,
            WorkloadName = workload,
            Namespace = ns,
            AppAddress = "127.0.0.1:8081",
            OutboundPort = 15001,
            BindAddress = "127.0.0.1",
        });

    public static Simulation Router(string workload, string ns, IReadOnlyDictionary<string, string> labels, params string[] yaml)
    {
        var node = new Node { Id = $"router~{workload}.{ns}", Role = ProxyRole.Router, WorkloadName = workload, Namespace = ns, BindAddress = "127.0.0.1" };
        foreach (var (key, value) in labels) node.Labels[key] = value;
        return new Simulation(Load(yaml), node);
    }

    public Cluster Cluster(string name) => Assert.Single(Resources.Clusters, c => c.Name == name);

    public ClusterLoadAssignment Endpoints(string clusterName) => Assert.Single(Resources.Endpoints, e => e.ClusterName == clusterName);

    public RouteConfiguration RouteConfig(string name) => Assert.Single(Resources.Routes, r => r.Name == name);

    public VirtualHost VirtualHost(string routeConfig, string name) => Assert.Single(RouteConfig(routeConfig).VirtualHosts, v => v.Name == name);

    /// <summary>Sends a request into the listener on <paramref name="listenerPort"/> (the sidecar's outbound listener by default).</summary>
    public RouteOutcome? Request(string authority, string path = "/", IReadOnlyDictionary<string, string>? headers = null, uint? listenerPort = null)
    {
        var listener = Assert.Single(Resources.Listeners, l => listenerPort is null ? l.Name == "virtualOutbound" : l.Port == listenerPort);
        var virtualHost = SelectVirtualHost(RouteConfig(listener.RouteConfigName), authority);
        if (virtualHost is null) return null;
        foreach (var route in virtualHost.Routes)
        {
            if (Matches(route.Match, path, headers ?? new Dictionary<string, string>())) return new RouteOutcome(virtualHost, route);
        }
        return null;
    }

    private static VirtualHost? SelectVirtualHost(RouteConfiguration config, string authority)
    {
        authority = authority.ToLowerInvariant();
        var colon = authority.LastIndexOf(':');
        var host = colon < 0 ? authority : authority[..colon];
        var port = colon < 0 ? "80" : authority[(colon + 1)..];
        foreach (var candidate in new[] { $"{host}:{port}", $"{host}:*" })
        {
            foreach (var virtualHost in config.VirtualHosts)
            {
                if (virtualHost.Domains.Contains(candidate)) return virtualHost;
            }
        }
        VirtualHost? best = null;
        var bestLength = -1;
        foreach (var virtualHost in config.VirtualHosts)
        {
            foreach (var domain in virtualHost.Domains)
            {
                if (!domain.StartsWith("*.", StringComparison.Ordinal)) continue;
                var domainColon = domain.LastIndexOf(':');
                var suffix = domain[1..domainColon];
                var domainPort = domain[(domainColon + 1)..];
                if ((domainPort == port || domainPort == "*") && host.EndsWith(suffix, StringComparison.Ordinal) && suffix.Length > bestLength)
                {
                    best = virtualHost;
                    bestLength = suffix.Length;
                }
            }
        }
        return best ?? config.VirtualHosts.FirstOrDefault(v => v.Domains.Contains("*"));
    }

    private static bool Matches(RouteMatch match, string path, IReadOnlyDictionary<string, string> headers)
    {
        if (match.Path is { } pathMatch && !Matches(pathMatch, path, match.IgnoreUriCase)) return false;
        foreach (var header in match.Headers)
        {
            if (!headers.TryGetValue(header.Name, out var value) || (header.Match is { } m && !Matches(m, value, false))) return false;
        }
        foreach (var header in match.WithoutHeaders)
        {
            if (headers.TryGetValue(header.Name, out var value) && (header.Match is null || Matches(header.Match, value, false))) return false;
        }
        return true;
    }

    private static bool Matches(Contracts.Discovery.StringMatch match, string value, bool ignoreCase)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return match.MatchPatternCase switch
        {
            Contracts.Discovery.StringMatch.MatchPatternOneofCase.Exact => string.Equals(value, match.Exact, comparison),
            Contracts.Discovery.StringMatch.MatchPatternOneofCase.Prefix => value.StartsWith(match.Prefix, comparison),
            Contracts.Discovery.StringMatch.MatchPatternOneofCase.Regex => Regex.IsMatch(value, $"^(?:{match.Regex})$"),
            _ => true,
        };
    }
}
