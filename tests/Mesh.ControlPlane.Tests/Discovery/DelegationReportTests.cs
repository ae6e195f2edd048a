using Mesh.ControlPlane.Tests.Translation;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>What the control plane says about a delegation that drops a route: one warning per problem, when it appears.</summary>
public sealed class DelegationReportTests
{
    private const string Root = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend, namespace: default }
        spec:
          hosts: [backend]
          http:
          - match: [{ uri: { prefix: /api } }]
            delegate: { name: api-routes }
          - route: [{ destination: { host: backend } }]
        """;

    [Fact]
    public async Task MissingDelegate_ReportedOnceWithFileResourceAndFieldPath()
    {
        using var config = new TempDirectory();
        config.Write("workloads.yaml", DemoYaml.Workloads);
        config.Write("root.yaml", Root);
        var logs = new LogCapture();
        await using var server = ControlPlaneServer.Create(
            new ControlPlaneOptions
            {
                ConfigDirectory = config.Path, GrpcPort = 0, HttpPort = 0, Debounce = TimeSpan.FromMilliseconds(10), FileSettle = TimeSpan.FromMilliseconds(10),
                AllowAnonymousDiscovery = true,
            },
            TimeProvider.System, logging => logging.AddProvider(logs));
        await server.StartAsync();

        await Eventually.TrueAsync(() => Lines(logs, 213).Count == 1, "the delegation warning");
        Assert.Equal(
            "root.yaml: VirtualService default/backend: spec.http[0].delegate: delegate VirtualService default/api-routes not found (a delegate is a VirtualService without hosts): the route is dropped",
            Lines(logs, 213)[0]);

        // Another push that leaves the problem as it was says nothing more about it.
        var pushes = Lines(logs, 207).Count;
        config.Write("subsets.yaml", DemoYaml.BackendSubsets);
        await Eventually.TrueAsync(() => Lines(logs, 207).Count > pushes, "the next push");
        Assert.Single(Lines(logs, 213));
    }

    private static List<string> Lines(LogCapture logs, int eventId) => [.. logs.Lines.Where(l => l.EventId == eventId).Select(l => l.Message)];
}
