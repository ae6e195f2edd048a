using Mesh.Contracts.Discovery;
using Mesh.DiscoverySimulator;

namespace Mesh.ControlPlane.Tests.Scale;

/// <summary>
/// The control-plane simulator's short mode: the real control plane as a process, 20 proxies over 50 services in five
/// namespaces, each a TLS discovery stream that ACKs. Correctness only; its timings belong to loadtests/simulate.sh.
/// </summary>
public sealed class DiscoverySimulationTests
{
    private static readonly SimulationOptions Short = new()
    {
        Proxies = 20,
        Services = 50,
        Namespaces = 5,
        // The changed VirtualService then concerns its own namespace's proxies only: the others must receive nothing.
        ExportToOwnNamespace = true,
        PhaseDeadline = TimeSpan.FromSeconds(60),
        DebounceMilliseconds = 10,
        Changes = 2,
    };

    [Fact]
    public async Task Run_VirtualServiceChanges_EachReachesExactlyTheDependentProxiesWithOnlyTheirRoutes()
    {
        using var work = new TempDirectory();
        var simulation = new Mesh.DiscoverySimulator.Simulation(Short, _ => { });

        var report = await simulation.RunAsync(work.Path, CancellationToken.None);

        Assert.Equal(0, report.Failures);
        Assert.Equal(Short.Proxies, report.Configured);
        Assert.Equal(Short.Changes, report.Changes.Count);
        Assert.True(report.Converged);
        foreach (var change in report.Changes)
        {
            // Proxy i serves service i % 50 in namespace i % 5: four of the twenty share the changed service's namespace.
            Assert.Equal(4, change.ExpectedDependents);
            Assert.Equal(change.ExpectedDependents, change.Acked);
            Assert.Equal(change.ExpectedDependents, change.Receivers);
            // Only the routes changed: no clusters, endpoints or listeners are resent.
            var route = IndexOf(TypeUrls.Route);
            Assert.Equal(change.ExpectedDependents, change.Tally.Responses(route));
            Assert.Equal(change.Tally.Responses(route), change.Tally.TotalResponses);
            Assert.True(change.Tally.TotalBytes / change.Receivers < report.InitialTally.TotalBytes / Short.Proxies,
                $"a change sent {change.Tally.TotalBytes / change.Receivers} bytes per proxy, a full push {report.InitialTally.TotalBytes / Short.Proxies}");
        }
    }

    [Fact]
    public async Task Run_DestinationRuleChangesForCapturedSidecars_EachReachesExactlyTheDependentProxiesWithOnlyTheirClusters()
    {
        using var work = new TempDirectory();
        var options = Short with { Captured = true, Change = ChangeKind.DestinationRule };
        var simulation = new Mesh.DiscoverySimulator.Simulation(options, _ => { });

        var report = await simulation.RunAsync(work.Path, CancellationToken.None);

        Assert.True(report.Converged);
        foreach (var change in report.Changes)
        {
            Assert.Equal(4, change.ExpectedDependents);
            Assert.Equal(change.ExpectedDependents, change.Acked);
            Assert.Equal(change.ExpectedDependents, change.Receivers);
            // A connection pool is a cluster's: clusters and endpoints are regenerated, and only the clusters are resent.
            var cluster = IndexOf(TypeUrls.Cluster);
            Assert.Equal(change.ExpectedDependents, change.Tally.Responses(cluster));
            Assert.Equal(change.Tally.Responses(cluster), change.Tally.TotalResponses);
        }
    }

    [Fact]
    public async Task Run_MeshWideAuthorizationPolicyChangesForCapturedSidecars_EveryProxyIsSentOnlyItsListeners()
    {
        using var work = new TempDirectory();
        var options = Short with { Captured = true, Change = ChangeKind.AuthorizationPolicy };
        var simulation = new Mesh.DiscoverySimulator.Simulation(options, _ => { });

        var report = await simulation.RunAsync(work.Path, CancellationToken.None);

        Assert.True(report.Converged);
        foreach (var change in report.Changes)
        {
            // From the root namespace: every proxy's inbound side, whatever its VirtualServices are exported to.
            Assert.Equal(Short.Proxies, change.ExpectedDependents);
            Assert.Equal(change.ExpectedDependents, change.Acked);
            Assert.Equal(change.ExpectedDependents, change.Receivers);
            var listeners = IndexOf(TypeUrls.Listener);
            Assert.Equal(change.ExpectedDependents, change.Tally.Responses(listeners));
            Assert.Equal(change.Tally.Responses(listeners), change.Tally.TotalResponses);
        }
    }

    [Fact]
    public async Task Run_EndpointChangesForCapturedSidecars_EveryProxyIsSentOnlyItsEndpoints()
    {
        using var work = new TempDirectory();
        var options = Short with { Captured = true, Change = ChangeKind.Endpoints };
        var simulation = new Mesh.DiscoverySimulator.Simulation(options, _ => { });

        var report = await simulation.RunAsync(work.Path, CancellationToken.None);

        Assert.True(report.Converged);
        foreach (var change in report.Changes)
        {
            // The ServiceEntry is exported everywhere: every proxy reaches the new workload.
            Assert.Equal(Short.Proxies, change.ExpectedDependents);
            Assert.Equal(change.ExpectedDependents, change.Acked);
            Assert.Equal(change.ExpectedDependents, change.Receivers);
            var endpoints = IndexOf(TypeUrls.Endpoints);
            Assert.Equal(change.ExpectedDependents, change.Tally.Responses(endpoints));
            Assert.Equal(change.Tally.Responses(endpoints), change.Tally.TotalResponses);
        }
    }

    [Fact]
    public async Task ControlPlaneEnvironment_ReachesTheControlPlaneProcessOnly()
    {
        using var work = new TempDirectory();
        var config = Directory.CreateDirectory(System.IO.Path.Combine(work.Path, "config")).FullName;
        var environment = new Dictionary<string, string> { ["MESH_SIMULATION_PROBE"] = "gen0=1" };

        await using var controlPlane = await ControlPlaneProcess.StartAsync(
            config, System.IO.Path.Combine(work.Path, "ca"), 10, environment, TimeSpan.FromSeconds(60));

        var variables = File.ReadAllText($"/proc/{controlPlane.ProcessId}/environ").Split('\0');
        Assert.Contains("MESH_SIMULATION_PROBE=gen0=1", variables);
        Assert.Null(Environment.GetEnvironmentVariable("MESH_SIMULATION_PROBE"));
    }

    private static int IndexOf(string typeUrl)
    {
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            if (TypeUrls.PushOrder[i] == typeUrl) return i;
        }
        throw new ArgumentException(typeUrl);
    }
}
