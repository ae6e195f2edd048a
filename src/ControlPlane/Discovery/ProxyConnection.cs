using System.Threading.Channels;
using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Discovery;

/// <summary>One connected proxy: who it is, its event queue, and per resource type what was sent, acknowledged and rejected.</summary>
/// <remarks>
/// Only the stream's own loop writes the sync states; debug endpoints read them from other threads, so each state is
/// an immutable record swapped in whole.
/// </remarks>
internal sealed class ProxyConnection
{
    private readonly TypeSyncState[] _states;
    private readonly Channel<ConnectionEvent> _events =
        Channel.CreateUnbounded<ConnectionEvent>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock _pushGate = new();
    private PendingPush? _pendingPush;

    public ProxyConnection(long id, Node node, string peer, DateTimeOffset connectedAt)
    {
        Id = id;
        Node = node;
        Peer = peer;
        ConnectedAt = connectedAt;
        _states = new TypeSyncState[TypeUrls.PushOrder.Count];
        for (var i = 0; i < _states.Length; i++) _states[i] = new TypeSyncState(TypeUrls.PushOrder[i]);
    }

    public long Id { get; }
    public Node Node { get; }
    public string Peer { get; }
    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Who opened the stream, as its credentials proved; null for an anonymous stream (in-process tests only).</summary>
    public DiscoveryCaller? Caller { get; init; }

    public ChannelReader<ConnectionEvent> Events => _events.Reader;

    public TypeSyncState GetState(string typeUrl) => Volatile.Read(ref _states[IndexOf(typeUrl)]);

    public void SetState(TypeSyncState state) => Volatile.Write(ref _states[IndexOf(state.TypeUrl)], state);

    /// <summary>The states in push order (cds, eds, lds, rds).</summary>
    public IReadOnlyList<TypeSyncState> GetStates()
    {
        var copy = new TypeSyncState[_states.Length];
        for (var i = 0; i < copy.Length; i++) copy[i] = Volatile.Read(ref _states[i]);
        return copy;
    }

    /// <summary>Overall status: NACKED if any type is, else STALE if any type is, else SYNCED.</summary>
    public SyncStatus OverallStatus
    {
        get
        {
            var overall = SyncStatus.Synced;
            foreach (var state in GetStates())
            {
                if (state.Status == SyncStatus.Nacked) return SyncStatus.Nacked;
                if (state.Status == SyncStatus.Stale) overall = SyncStatus.Stale;
            }
            return overall;
        }
    }

    public void PostRequest(DiscoveryRequest request) => _events.Writer.TryWrite(new ConnectionEvent(request));

    /// <summary>
    /// Queues a push, or merges it into the one already waiting (istiod's push queue): a stream only ever needs the
    /// latest snapshot, and the union of what changed since it last pushed.
    /// </summary>
    public void PostPush(PushRequest request, long timestamp)
    {
        bool wake;
        lock (_pushGate)
        {
            wake = _pendingPush is null;
            _pendingPush = wake ? new PendingPush(request, timestamp) : _pendingPush! with { Request = request.Merge(_pendingPush.Request) };
        }
        if (wake) _events.Writer.TryWrite(ConnectionEvent.Push);
    }

    /// <summary>Takes the waiting push, so one posted meanwhile queues another; null when there is none.</summary>
    public PendingPush? TakePush()
    {
        lock (_pushGate)
        {
            var pending = _pendingPush;
            _pendingPush = null;
            return pending;
        }
    }

    public void CompleteEvents(Exception? error = null) => _events.Writer.TryComplete(error);

    private static int IndexOf(string typeUrl)
    {
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            if (TypeUrls.PushOrder[i] == typeUrl) return i;
        }
        throw new ArgumentException($"Unknown resource type '{typeUrl}'.", nameof(typeUrl));
    }
}
