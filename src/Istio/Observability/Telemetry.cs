namespace Mesh.Istio.Observability;

/// <summary>The Telemetry resource (telemetry.istio.io): the access logs, traces and metrics of the workloads it selects.</summary>
public sealed record Telemetry : IstioResource
{
    public const string KindName = "Telemetry";

    public override string Kind => KindName;

    public required TelemetrySpec Spec { get; init; }
}
