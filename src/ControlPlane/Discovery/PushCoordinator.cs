using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Sources;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Discovery;

/// <summary>Turns config changes into pushes: debounces them, builds the next mesh snapshot, and wakes every connected proxy.</summary>
internal sealed class PushCoordinator : IDisposable
{
    private readonly IConfigSource _source;
    private readonly MeshSnapshotStore _snapshots;
    private readonly ConnectionRegistry _registry;
    private readonly Debouncer _debouncer;
    private readonly ILogger _logger;
    private readonly Lock _pushGate = new();
    private long _version;

    public PushCoordinator(IConfigSource source, MeshSnapshotStore snapshots, ConnectionRegistry registry, TimeProvider time,
        TimeSpan debounce, TimeSpan maxDebounce, ILogger<PushCoordinator> logger)
    {
        _source = source;
        _snapshots = snapshots;
        _registry = registry;
        _logger = logger;
        _debouncer = new Debouncer(debounce, maxDebounce, time, Push);
    }

    /// <summary>Builds the first snapshot from the source's current state, then pushes on every change.</summary>
    public void Start()
    {
        _source.Changed += _debouncer.Signal;
        Push(0);
    }

    private void Push(int mergedChanges)
    {
        // The first push and a debounced one may overlap at start: snapshots must publish in version order.
        lock (_pushGate) PushLocked(mergedChanges);
    }

    private void PushLocked(int mergedChanges)
    {
        var version = ++_version;
        try
        {
            _snapshots.Publish(MeshSnapshotBuilder.Build(version, _source.Current.Resources, _source.CredentialRoot));
        }
        catch (Exception ex)
        {
            // A bug in the model must not take down the server or the config proxies already have.
            DiscoveryLog.SnapshotFailed(_logger, version, ex);
            return;
        }
        DiscoveryLog.Push(_logger, version, _registry.Count, mergedChanges);
        _registry.PostPushToAll();
    }

    public void Dispose()
    {
        _source.Changed -= _debouncer.Signal;
        _debouncer.Dispose();
    }
}
