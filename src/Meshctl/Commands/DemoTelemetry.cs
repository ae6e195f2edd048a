// What the demo's proxies do with their telemetry.
namespace Mesh.Meshctl.Commands;

/// <summary>The demo's telemetry options: where spans go, how many are sampled, and the access log format.</summary>
internal sealed record DemoTelemetry(Uri? OtlpEndpoint, string OtlpProtocol, double TraceSamplingPercent, string AccessLog);
