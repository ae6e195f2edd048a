namespace Mesh.ControlPlane.Kubernetes;

/// <summary>Where one informer stands, for <c>/debug/informerz</c>.</summary>
/// <param name="ResourceVersion">The last resourceVersion seen (list, event or bookmark): where the next watch resumes.</param>
/// <param name="LastSync">When the last list completed; null before the first.</param>
/// <param name="Relists">Lists after the first: an expired resourceVersion (410 Gone), or a list that failed and was retried.</param>
/// <param name="WatchRestarts">Watches opened after the first: the server ended one, or one failed.</param>
/// <param name="LastError">The last failure, one line; null once it recovered.</param>
internal sealed record InformerStatus(
    string Name, bool Synced, int Objects, string ResourceVersion, DateTimeOffset? LastSync, long Relists, long WatchRestarts, string? LastError);

/// <summary>An informer as <c>/debug/informerz</c> sees it, whatever kind it caches.</summary>
internal interface IInformerStatus
{
    InformerStatus Status();

    /// <summary>Completes when the first list has filled the cache.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);
}
