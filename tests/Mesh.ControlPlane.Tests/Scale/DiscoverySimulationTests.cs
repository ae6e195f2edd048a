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

    // Each change to captured sidecars: how many proxies it reaches, and the one type they are sent.
    private static readonly Dictionary<string, (int Dependents, string TypeUrl)> CapturedChanges = new()
    {
        // A connection pool is a cluster's: clusters and endpoints are regenerated, and only the clusters are resent.
        [nameof(ChangeKind.DestinationRule)] = (4, TypeUrls.Cluster),
        // From the root namespace: every proxy's inbound side, whatever its VirtualServices are exported to.
        [nameof(ChangeKind.AuthorizationPolicy)] = (Short.Proxies, TypeUrls.Listener),
        // The ServiceEntry is exported everywhere: every proxy reaches the new workload.
        [nameof(ChangeKind.Endpoints)] = (Short.Proxies, TypeUrls.Endpoints),
    };

    public static TheoryData<string> CapturedChangeKinds() => [.. CapturedChanges.Keys];

    [Theory]
    [MemberData(nameof(CapturedChangeKinds))]
    public async Task Run_ChangesForCapturedSidecars_EachReachesExactlyTheDependentProxiesWithOnlyTheTypeItChanges(string kind)
    {
        using var work = new TempDirectory();
        var (dependents, typeUrl) = CapturedChanges[kind];
        var options = Short with { Captured = true, Change = Enum.Parse<ChangeKind>(kind) };
        var simulation = new Mesh.DiscoverySimulator.Simulation(options, _ => { });

        var report = await simulation.RunAsync(work.Path, CancellationToken.None);

        Assert.True(report.Converged);
        foreach (var change in report.Changes)
        {
            Assert.Equal(dependents, change.ExpectedDependents);
            Assert.Equal(change.ExpectedDependents, change.Acked);
            Assert.Equal(change.ExpectedDependents, change.Receivers);
            var type = IndexOf(typeUrl);
            Assert.Equal(change.ExpectedDependents, change.Tally.Responses(type));
            Assert.Equal(change.Tally.Responses(type), change.Tally.TotalResponses);
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
