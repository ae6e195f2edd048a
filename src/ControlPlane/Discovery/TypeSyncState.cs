namespace Mesh.ControlPlane.Discovery;

/// <summary>What one connection last sent for one resource type, what the proxy acknowledged, and its last rejection.</summary>
internal sealed record TypeSyncState(
    string TypeUrl,
    string? SentVersion = null,
    string? SentNonce = null,
    DateTimeOffset? SentAt = null,
    string? AckedVersion = null,
    string? AckedNonce = null,
    DateTimeOffset? AckedAt = null,
    NackRecord? LastNack = null)
{
    public SyncStatus Status =>
        SentNonce is null ? SyncStatus.Stale
        : LastNack is not null && LastNack.Nonce == SentNonce ? SyncStatus.Nacked
        : AckedNonce == SentNonce ? SyncStatus.Synced
        : SyncStatus.Stale;
}
