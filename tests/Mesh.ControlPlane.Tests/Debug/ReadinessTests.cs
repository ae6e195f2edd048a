using Grpc.Health.V1;
using Grpc.Net.Client;
using Mesh.ControlPlane.Debug;
using Mesh.ControlPlane.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace Mesh.ControlPlane.Tests.Debug;

/// <summary>The one readiness rule, and the two ways it is read: <c>/ready</c> over HTTP and <c>grpc.health.v1.Health</c> on the gRPC port.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public void Check_BeforeAndAfterTheFirstSnapshot_UnhealthyThenHealthyNamingTheVersion()
    {
        var snapshots = new MeshSnapshotStore();
        var readiness = new ReadinessCheck(snapshots);

        var before = readiness.Check();
        snapshots.Publish(MeshSnapshotBuilder.Build(7, []));
        var after = readiness.Check();

        Assert.Equal((HealthStatus.Unhealthy, "no config snapshot yet"), (before.Status, before.Description));
        Assert.Equal((HealthStatus.Healthy, "ready (snapshot v7)"), (after.Status, after.Description));
    }

    [Fact]
    public async Task HealthCheck_ServerStarted_ServingOnTheGrpcPortAndReadyOverHttp()
    {
        using var config = new TempDirectory();
        await using var server = ControlPlaneServer.Create(
            new ControlPlaneOptions { ConfigDirectory = config.Path, GrpcPort = 0, HttpPort = 0 }, TimeProvider.System, _ => { });
        await server.StartAsync();
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}");

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(10));
        using var http = new HttpClient();
        using var ready = await http.GetAsync($"http://127.0.0.1:{server.HttpPort}/ready");

        Assert.Equal(ServingStatus.Serving, health.Status);
        Assert.True(ready.IsSuccessStatusCode);
        Assert.StartsWith("ready (snapshot v", await ready.Content.ReadAsStringAsync());
    }
}
