using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane;

/// <summary>Log lines of the control plane process itself, with stable event ids.</summary>
internal static partial class ControlPlaneLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Control plane ready: discovery on {Address}:{GrpcPort} (gRPC), debug on http://{Address}:{HttpPort}/, config from {ConfigDirectory}")]
    public static partial void Ready(ILogger logger, string address, int grpcPort, int httpPort, string configDirectory);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Control plane stopping: ending {Streams} discovery streams (the proxies keep their config and reconnect)")]
    public static partial void Stopping(ILogger logger, int streams);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "Control plane stopped in {Milliseconds} ms")]
    public static partial void Stopped(ILogger logger, long milliseconds);
}
