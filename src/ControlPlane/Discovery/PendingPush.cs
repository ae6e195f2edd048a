namespace Mesh.ControlPlane.Discovery;

/// <summary>A push waiting in a connection's queue: the merged request, and when the first of it was queued (a <see cref="TimeProvider"/> timestamp).</summary>
internal sealed record PendingPush(PushRequest Request, long QueuedAt);
