namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>The store's side of watches: opening one consistently with the history, bookmarks, compaction, closing.</summary>
internal sealed partial class ObjectStore
{
    /// <summary>
    /// Opens a watch from a resourceVersion (null: from now, after a synthetic ADDED for each selected object, and
    /// then, when the client asked for sendInitialEvents, a bookmark marking the end of them).
    /// </summary>
    public Watcher Watch(Watcher watcher, long? from, bool initialEventsEnd)
    {
        lock (_gate)
        {
            if (from is { } version && version < _hub.Floor)
            {
                throw ApiException.Gone(version, _hub.Floor);
            }
            if (from is null)
            {
                foreach (var (path, obj) in Bucket(watcher.Type))
                {
                    if (watcher.Selects(obj))
                    {
                        watcher.Enqueue("ADDED", obj);
                    }
                }
                if (initialEventsEnd)
                {
                    watcher.Bookmark(_version, initialEventsEnd: true);
                }
            }
            if (!_hub.Add(watcher, from ?? _version))
            {
                throw new ApiException(429, "TooManyRequests", "too many open watches");
            }
            return watcher;
        }
    }

    public void StopWatching(Watcher watcher)
    {
        lock (_gate)
        {
            _hub.Remove(watcher);
        }
    }

    /// <summary>Queues a bookmark with the current resourceVersion to each watch that asked for them.</summary>
    public void Bookmark(Watcher watcher)
    {
        lock (_gate)
        {
            watcher.Bookmark(_version);
        }
    }

    public void CompactHistory()
    {
        lock (_gate)
        {
            _hub.Compact(_version);
        }
    }

    public void CloseWatches()
    {
        lock (_gate)
        {
            _hub.CloseAll();
        }
    }
}
