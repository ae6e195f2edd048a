using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Listeners;

/// <summary>What a gateway proxy says about the TLS credentials the control plane pushes inline (Kubernetes Secrets).</summary>
internal static partial class GatewayCredentialLog
{
    [LoggerMessage(EventId = 6160, Level = LogLevel.Information, Message = "listener {Listener}: {Origin} serves certificate '{Subject}' (valid until {NotAfter:u}), pushed by the control plane")]
    public static partial void InlineCredentialLoaded(ILogger logger, string listener, string origin, string subject, DateTime notAfter);
}
