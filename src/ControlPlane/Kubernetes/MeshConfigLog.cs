using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

internal static partial class MeshConfigLog
{
    [LoggerMessage(EventId = 470, Level = LogLevel.Information,
        Message = "Mesh config from ConfigMap {Source} (resourceVersion {ResourceVersion}) in effect: discoveryAddress {DiscoveryAddress}, holdApplicationUntilProxyStarts {Hold}, enablePrometheusMerge {PrometheusMerge}, outboundTrafficPolicy {OutboundTrafficPolicy}")]
    public static partial void Applied(ILogger logger, string source, string resourceVersion, string discoveryAddress, bool hold, bool prometheusMerge,
        string outboundTrafficPolicy);

    [LoggerMessage(EventId = 471, Level = LogLevel.Error,
        Message = "Mesh config in ConfigMap {Source} (resourceVersion {ResourceVersion}) rejected at {Path}: {Reason}; the last good mesh config keeps serving ({LastGood})")]
    public static partial void Rejected(ILogger logger, string source, string resourceVersion, string path, string reason, string lastGood);

    [LoggerMessage(EventId = 472, Level = LogLevel.Warning, Message = "meshConfig fields with no effect in this mesh: {Fields} (ConfigMap {Source}, resourceVersion {ResourceVersion})")]
    public static partial void FieldsWithoutEffect(ILogger logger, string fields, string source, string resourceVersion);

    [LoggerMessage(EventId = 473, Level = LogLevel.Error, Message = "{Message} (ConfigMap {Source}, resourceVersion {ResourceVersion})")]
    public static partial void TrustDomainDiffers(ILogger logger, string message, string source, string resourceVersion);

    [LoggerMessage(EventId = 474, Level = LogLevel.Warning, Message = "{Message} (ConfigMap {Source}, resourceVersion {ResourceVersion})")]
    public static partial void RootNamespaceDiffers(ILogger logger, string message, string source, string resourceVersion);

    [LoggerMessage(EventId = 475, Level = LogLevel.Information, Message = "No mesh config: ConfigMap {Source} {Why}; Istio's defaults are in effect")]
    public static partial void Defaults(ILogger logger, string source, string why);

    [LoggerMessage(EventId = 479, Level = LogLevel.Warning, Message = "Could not record a Warning event on ConfigMap {Source}: {Reason}")]
    public static partial void EventFailed(ILogger logger, string source, string reason);
}
