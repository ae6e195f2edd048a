using System.Collections.Concurrent;
using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Discovery;

/// <summary>The proxies connected right now: pushes fan out to them, debug endpoints list them.</summary>
internal sealed class ConnectionRegistry
{
    private readonly ConcurrentDictionary<long, ProxyConnection> _connections = new();
    private readonly TimeProvider _time;
    private long _nextId;

    public ConnectionRegistry(TimeProvider time) => _time = time;

    public int Count => _connections.Count;

    public ProxyConnection Add(Node node, string peer, DiscoveryCaller? caller)
    {
        var connection = new ProxyConnection(Interlocked.Increment(ref _nextId), node, peer, _time.GetUtcNow()) { Caller = caller };
        _connections[connection.Id] = connection;
        return connection;
    }

    public void Remove(ProxyConnection connection) => _connections.TryRemove(connection.Id, out _);

    /// <summary>The connections sorted by proxy id, then connection id, so debug output is stable.</summary>
    public IReadOnlyList<ProxyConnection> Snapshot()
    {
        var list = new List<ProxyConnection>(_connections.Values);
        list.Sort(static (a, b) =>
        {
            var byId = string.CompareOrdinal(a.Node.Id, b.Node.Id);
            return byId != 0 ? byId : a.Id.CompareTo(b.Id);
        });
        return list;
    }

    public void PostPushToAll(PushRequest request)
    {
        var now = _time.GetTimestamp();
        foreach (var connection in _connections.Values) connection.PostPush(request, now);
    }
}
