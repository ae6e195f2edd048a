using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>Log lines of the Kubernetes config source and its status events (event ids 405–419).</summary>
internal static partial class KubernetesSourceLog
{
    [LoggerMessage(EventId = 405, Level = LogLevel.Warning, Message = "No CRD {Crd} serves {Versions}: {Kind} objects are not read until one does")]
    public static partial void KindMissing(ILogger logger, string crd, string versions, string kind);

    [LoggerMessage(EventId = 406, Level = LogLevel.Information, Message = "Watching {Kind} at {Group}/{Version}")]
    public static partial void KindWatched(ILogger logger, string kind, string group, string version);

    [LoggerMessage(EventId = 407, Level = LogLevel.Warning, Message = "Config rejected: {Error} (resourceVersion {ResourceVersion}); its last good version ({Resources} resources) keeps serving")]
    public static partial void ObjectRejected(ILogger logger, string error, string resourceVersion, int resources);

    [LoggerMessage(EventId = 408, Level = LogLevel.Information, Message = "Config from Kubernetes: {Resources} resources from {Objects} objects ({Rejected} rejected); registry: {Services} services, {Workloads} workloads")]
    public static partial void ConfigLoaded(ILogger logger, int resources, int objects, int rejected, int services, int workloads);

    [LoggerMessage(EventId = 409, Message = "Config analysis: {Message}")]
    public static partial void Analysis(ILogger logger, LogLevel level, string message);

    [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "Could not record the event on {Object}: {Reason}")]
    public static partial void EventFailed(ILogger logger, string @object, string reason);
}
