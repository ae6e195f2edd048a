using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane;

/// <summary>Log lines of the control plane process itself, with stable event ids.</summary>
internal static partial class ControlPlaneLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Control plane ready: discovery on {Address}:{GrpcPort} (gRPC), debug on http://{Address}:{HttpPort}/, config from {ConfigDirectory}")]
    public static partial void Ready(ILogger logger, string address, int grpcPort, int httpPort, string configDirectory);
}
