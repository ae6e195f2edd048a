namespace Mesh.ControlPlane.Discovery;

/// <summary>Where one proxy stands with one resource type, as <c>meshctl proxy-status</c> shows it.</summary>
internal enum SyncStatus
{
    /// <summary>The proxy acknowledged the last response it was sent.</summary>
    Synced,

    /// <summary>A response was sent and has not been answered yet (or nothing was sent yet).</summary>
    Stale,

    /// <summary>The proxy rejected the last response it was sent.</summary>
    Nacked,
}
