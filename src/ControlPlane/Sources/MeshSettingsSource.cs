using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Sources;

/// <summary>
/// The mesh config translation reads, as a latest value with a change signal. The istio ConfigMap's watcher (on a
/// cluster) or the <c>--mesh-config</c> file's (local mode) publishes it; the push coordinator builds every snapshot
/// with it and pushes to the proxies that read it when it changes.
/// </summary>
internal sealed class MeshSettingsSource
{
    private MeshSettings _current = MeshSettings.Default;

    public MeshSettings Current => Volatile.Read(ref _current);

    /// <summary>Raised, on the publisher's thread, after <see cref="Current"/> took a different value: the one before, then the new one.</summary>
    public event Action<MeshSettings, MeshSettings>? Changed;

    public void Publish(MeshSettings settings)
    {
        var previous = Interlocked.Exchange(ref _current, settings);
        if (previous.Equals(settings)) return;
        Changed?.Invoke(previous, settings);
    }
}
