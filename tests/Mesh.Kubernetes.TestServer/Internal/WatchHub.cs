namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// The bounded history of committed changes and the open watches. Every method runs under the store's lock,
/// so a watch that replays history and then goes live never misses or repeats an event.
/// </summary>
internal sealed class WatchHub(int historyLimit, int maxWatches)
{
    private readonly Queue<WatchEvent> _history = new();
    private readonly HashSet<Watcher> _watchers = [];

    /// <summary>The history holds every change after this version: a watch from an older one gets 410 Gone.</summary>
    public long Floor { get; private set; }

    public void Publish(WatchEvent change)
    {
        _history.Enqueue(change);
        while (_history.Count > historyLimit)
        {
            Floor = _history.Dequeue().ResourceVersion;
        }
        List<Watcher>? slow = null;
        foreach (var watcher in _watchers)
        {
            if (!watcher.Offer(change))
            {
                (slow ??= []).Add(watcher);
            }
        }
        if (slow is not null)
        {
            foreach (var watcher in slow)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    /// <summary>Replays what the watcher missed since <paramref name="from"/> and adds it; false when over the limit.</summary>
    public bool Add(Watcher watcher, long from)
    {
        if (_watchers.Count >= maxWatches)
        {
            return false;
        }
        foreach (var change in _history)
        {
            if (change.ResourceVersion > from && !watcher.Offer(change))
            {
                return true;
            }
        }
        _watchers.Add(watcher);
        return true;
    }

    public void Remove(Watcher watcher) => _watchers.Remove(watcher);

    /// <summary>Forgets every change up to <paramref name="current"/>, as etcd compaction does.</summary>
    public void Compact(long current)
    {
        _history.Clear();
        Floor = current;
    }

    public void CloseAll()
    {
        foreach (var watcher in _watchers)
        {
            watcher.Close();
        }
        _watchers.Clear();
    }
}
