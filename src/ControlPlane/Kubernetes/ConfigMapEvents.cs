using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Warning Events on a ConfigMap the control plane reads (<c>kubectl describe configmap istio</c> shows them), written
/// as ConfigStatusEvents writes them for Istio objects: in the background, once per resourceVersion and message, a
/// failure logged and never retried.
/// </summary>
internal sealed class ConfigMapEvents(IKubernetes client, TimeProvider time, ILogger logger)
{
    private readonly Lock _gate = new();
    // What was told about the resourceVersion seen last: an informer relist repeats the object it last delivered.
    private readonly HashSet<string> _reported = new(StringComparer.Ordinal);
    private string? _reportedVersion;
    private Task _pending = Task.CompletedTask;

    /// <summary>Completes when the events reported so far are written (or failed); for tests and shutdown.</summary>
    public Task Pending
    {
        get
        {
            lock (_gate) return _pending;
        }
    }

    public void Report(V1ConfigMap configMap, string reason, string message)
    {
        var version = $"{configMap.Metadata.Uid}/{configMap.Metadata.ResourceVersion}";
        lock (_gate)
        {
            if (version != _reportedVersion)
            {
                _reported.Clear();
                _reportedVersion = version;
            }

            if (!_reported.Add($"{reason}/{message}")) return;
            var created = Create(configMap, reason, message);
            _pending = _pending.ContinueWith(_ => WriteAsync(created), TaskScheduler.Default).Unwrap();
        }
    }

    private Corev1Event Create(V1ConfigMap configMap, string reason, string message) =>
        WarningEvent.About("v1", "ConfigMap", configMap.Metadata, reason, message, time.GetUtcNow().UtcDateTime);

    private async Task WriteAsync(Corev1Event created)
    {
        try
        {
            await client.CoreV1.CreateNamespacedEventAsync(created, created.Metadata.NamespaceProperty);
        }
        catch (Exception e) when (e is k8s.Autorest.HttpOperationException or HttpRequestException or IOException or OperationCanceledException)
        {
            MeshConfigLog.EventFailed(logger, $"{created.InvolvedObject.NamespaceProperty}/{created.InvolvedObject.Name}", e.Message);
        }
    }
}
