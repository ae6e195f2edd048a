using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Tells a Kubernetes user what became of their Istio object where they look (<c>kubectl describe</c>, <c>kubectl get
/// events</c>): a core/v1 Warning Event on the object for each error that rejected it and each analyzer message on it,
/// once per resourceVersion. Events are written in the background; a failure to write one is logged, never retried.
/// </summary>
internal sealed class ConfigStatusEvents
{
    /// <summary>The event's reason when the object was rejected (its last good version keeps serving).</summary>
    public const string RejectedReason = "ConfigRejected";

    private readonly IKubernetes _client;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    // uid/resourceVersion/reason/message of every event written: an object's same problem at the same version is told once.
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private Task _pending = Task.CompletedTask;

    public ConfigStatusEvents(IKubernetes client, TimeProvider time, ILogger logger)
    {
        _client = client;
        _time = time;
        _logger = logger;
    }

    /// <summary>Completes when the events reported so far are written (or failed); for tests and shutdown.</summary>
    public Task Pending
    {
        get
        {
            lock (_gate) return _pending;
        }
    }

    /// <summary>Records a Warning event on the object unless this one was already recorded for its resourceVersion; true when it is new.</summary>
    public bool Report(CustomObject item, string reason, string message) => Report(item.ApiVersion, item.Kind, item.Metadata, reason, message);

    /// <inheritdoc cref="Report(CustomObject, string, string)"/>
    public bool Report(string apiVersion, string kind, V1ObjectMeta metadata, string reason, string message)
    {
        var key = $"{metadata.Uid}/{metadata.ResourceVersion}/{reason}/{message}";
        lock (_gate)
        {
            if (!_reported.Add(key)) return false;
            var created = WarningEvent.About(apiVersion, kind, metadata, reason, message, _time.GetUtcNow().UtcDateTime);
            var subject = $"{kind} {metadata.NamespaceProperty}/{metadata.Name}";
            _pending = _pending.ContinueWith(_ => WriteAsync(created, subject), TaskScheduler.Default).Unwrap();
        }
        return true;
    }

    /// <summary>Forgets what was told about objects that are gone, so the set does not grow without bound.</summary>
    public void Forget(Func<string, bool> isLiveUid)
    {
        lock (_gate) _reported.RemoveWhere(key => !isLiveUid(key[..Math.Max(0, key.IndexOf('/'))]));
    }

    private async Task WriteAsync(Corev1Event created, string subject)
    {
        try
        {
            await _client.CoreV1.CreateNamespacedEventAsync(created, created.Metadata.NamespaceProperty);
        }
        catch (Exception ex)
        {
            KubernetesSourceLog.EventFailed(_logger, subject, KubernetesApiError.Describe(ex));
        }
    }
}
