using Mesh.ControlPlane.Model;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.ControlPlane.Debug;

/// <summary>
/// The control plane's one readiness rule, behind both <c>/ready</c> and the <c>grpc.health.v1.Health</c> service:
/// ready once the first config snapshot is published, since before that a proxy would be served nothing.
/// </summary>
internal sealed class ReadinessCheck(MeshSnapshotStore snapshots) : IHealthCheck
{
    public HealthCheckResult Check() => snapshots.Current is { } snapshot
        ? HealthCheckResult.Healthy($"ready (snapshot v{snapshot.Version})")
        : HealthCheckResult.Unhealthy("no config snapshot yet");

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(Check());
}
