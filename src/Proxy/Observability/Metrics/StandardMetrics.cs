namespace Mesh.Proxy.Observability.Metrics;

/// <summary>Istio's standard metrics as a set: which ones a listener's Telemetry turned off.</summary>
[Flags]
internal enum StandardMetrics
{
    None = 0,
    RequestCount = 1 << 0,
    RequestDuration = 1 << 1,
    RequestSize = 1 << 2,
    ResponseSize = 1 << 3,
    TcpOpenedConnections = 1 << 4,
    TcpClosedConnections = 1 << 5,
    TcpSentBytes = 1 << 6,
    TcpReceivedBytes = 1 << 7,
}
