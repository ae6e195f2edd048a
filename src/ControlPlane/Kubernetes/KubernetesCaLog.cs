using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>Log lines of the CA on Kubernetes (event ids 430–449): refusals with who asked, and the root's publication.</summary>
internal static partial class KubernetesCaLog
{
    [LoggerMessage(EventId = 430, Level = LogLevel.Warning, Message = "Refused certificate request from {Peer} ({Subject}): {Status}: {Reason}")]
    public static partial void CsrRefused(ILogger logger, string peer, string subject, string status, string reason);

    [LoggerMessage(EventId = 435, Level = LogLevel.Information, Message = "Root certificate ConfigMap {Namespace}/{Name} {Action}")]
    public static partial void RootPublished(ILogger logger, string @namespace, string name, string action);

    [LoggerMessage(EventId = 436, Level = LogLevel.Warning, Message = "Publishing the root certificate ConfigMap {Namespace}/{Name} failed (attempt {Attempt}): {Reason}; {Next}")]
    public static partial void RootPublishFailed(ILogger logger, string @namespace, string name, int attempt, string reason, string next);

    [LoggerMessage(EventId = 437, Level = LogLevel.Information, Message = "Root certificate published as ConfigMap {Name} in {Count} namespace(s); kept there as namespaces and ConfigMaps change")]
    public static partial void RootPublisherSynced(ILogger logger, string name, int count);
}
