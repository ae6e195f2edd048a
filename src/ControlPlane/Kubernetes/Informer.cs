using System.Collections.Immutable;
using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// client-go's reflector and store on KubernetesClient's list/watch: lists once, then watches from the list's
/// resourceVersion with bookmarks. An expired resourceVersion (410 Gone) relists and raises the difference; any other
/// failure retries with jittered exponential backoff; a watch the server ends is reopened where it left off.
/// </summary>
/// <remarks>
/// One loop writes the cache (an immutable dictionary swapped whole), so readers take no lock and see either the
/// state before an event or after it. Handlers run on that loop, after the cache changed, one event at a time.
/// </remarks>
internal sealed class Informer<T> : IInformer<T>, IInformerStatus, IAsyncDisposable where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly InformerSource<T> _source;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly InformerBackoff _backoff;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();
    private ImmutableDictionary<string, T> _cache = ImmutableDictionary.Create<string, T>(StringComparer.Ordinal);
    private string _resourceVersion = "";
    // UTC ticks of the last list, 0 before the first: a long reads whole from another thread.
    private long _lastSyncTicks;
    private long _relists;
    private long _watchRestarts;
    private string? _lastError;
    private Task _loop = Task.CompletedTask;

    public Informer(string name, InformerSource<T> source, TimeProvider time, ILogger logger, InformerBackoff? backoff = null)
    {
        Name = name;
        _source = source;
        _time = time;
        _logger = logger;
        _backoff = backoff ?? InformerBackoff.Default;
    }

    public string Name { get; }

    public bool HasSynced => _synced.Task.IsCompleted;

    public event Action<InformerEventKind, T>? Changed;

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    public IReadOnlyList<T> List()
    {
        var cache = Volatile.Read(ref _cache);
        var items = new T[cache.Count];
        var i = 0;
        foreach (var (_, item) in cache) items[i++] = item;
        return items;
    }

    public T? Get(string? ns, string name) => Volatile.Read(ref _cache).GetValueOrDefault(Key(ns, name));

    public InformerStatus Status() => new(Name, HasSynced, Volatile.Read(ref _cache).Count, Volatile.Read(ref _resourceVersion),
        Interlocked.Read(ref _lastSyncTicks) is var ticks and > 0 ? new DateTimeOffset(ticks, TimeSpan.Zero) : null, Interlocked.Read(ref _relists), Interlocked.Read(ref _watchRestarts), Volatile.Read(ref _lastError));

    /// <summary>Starts listing and watching in the background; <see cref="WaitForSyncAsync"/> tells when the first list is in.</summary>
    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Stops watching and waits for the loop to end; the cache keeps what it holds.</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested) await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken stop)
    {
        var mustList = true;
        var failures = 0;
        // Expirations in a row with no event between them: past the first, the relist's own version expired at once.
        var expiredInARow = 0;
        string? loggedReason = null;
        void Recovered()
        {
            if (failures > 0) InformerLog.Recovered(_logger, Name, failures);
            failures = 0;
            loggedReason = null;
            Volatile.Write(ref _lastError, null);
        }

        while (!stop.IsCancellationRequested)
        {
            var listing = mustList;
            var listed = false;
            var delivered = false;
            string? failure;
            try
            {
                if (mustList)
                {
                    await ListAsync(stop);
                    mustList = false;
                    listed = true;
                    Recovered();
                }
                var outcome = await WatchAsync(stop, () =>
                {
                    delivered = true;
                    expiredInARow = 0;
                    Recovered();
                });
                Interlocked.Increment(ref _watchRestarts);
                if (outcome == WatchOutcome.Ended && !delivered) await _backoff.DelayQuietAsync(_time, stop);
                if (outcome != WatchOutcome.Gone) continue;
                mustList = true;
                // A list whose resourceVersion expires before a single event arrived would relist in a tight loop: back off.
                if (++expiredInARow < 2) continue;
                failure = "410 Gone: the resourceVersion of a fresh list expired at once";
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // From the watch (a list answers 410 only when something is wrong: that is a failure like any other).
                if (IsGone(ex) && (!listing || listed))
                {
                    // The watch's resourceVersion is older than the server keeps: only a new list can resume.
                    mustList = true;
                    Interlocked.Increment(ref _watchRestarts);
                    if (++expiredInARow < 2) continue;
                    failure = "410 Gone: the resourceVersion of a fresh list expired at once";
                }
                else
                {
                    if (!mustList) Interlocked.Increment(ref _watchRestarts);
                    failure = KubernetesApiError.Describe(ex);
                }
            }

            failures++;
            Volatile.Write(ref _lastError, failure);
            var delay = _backoff.Delay(failures);
            if (failure != loggedReason) InformerLog.Failing(_logger, Name, failure, (long)delay.TotalMilliseconds);
            loggedReason = failure;
            try
            {
                await Task.Delay(delay, _time, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Lists the kind, swaps the cache whole, then raises what changed against the previous cache.</summary>
    private async Task ListAsync(CancellationToken stop)
    {
        var list = await _source.List(stop);
        var previous = Volatile.Read(ref _cache);
        var expired = Volatile.Read(ref _resourceVersion);
        var builder = ImmutableDictionary.CreateBuilder<string, T>(StringComparer.Ordinal);
        foreach (var item in list.Items) builder[Key(item)] = item;
        var next = builder.ToImmutable();

        var changes = new List<(InformerEventKind, T)>();
        foreach (var (key, item) in next)
        {
            if (!previous.TryGetValue(key, out var old)) changes.Add((InformerEventKind.Added, item));
            else if (old.Metadata?.ResourceVersion != item.Metadata?.ResourceVersion) changes.Add((InformerEventKind.Modified, item));
        }
        var deleted = 0;
        foreach (var (key, old) in previous)
        {
            if (next.ContainsKey(key)) continue;
            changes.Add((InformerEventKind.Deleted, old));
            deleted++;
        }

        Volatile.Write(ref _cache, next);
        Volatile.Write(ref _resourceVersion, list.ResourceVersion);
        Interlocked.Exchange(ref _lastSyncTicks, _time.GetUtcNow().UtcTicks);
        if (HasSynced)
        {
            Interlocked.Increment(ref _relists);
            InformerLog.Relisted(_logger, Name, expired, changes.Count - deleted - CountModified(changes), CountModified(changes), deleted);
        }
        foreach (var (kind, item) in changes) Raise(kind, item);
        if (!HasSynced)
        {
            InformerLog.Synced(_logger, Name, next.Count, list.ResourceVersion);
            _synced.TrySetResult();
        }
    }

    /// <summary>Applies one watch's events until it ends; <paramref name="onFirstEvent"/> runs when it delivered something.</summary>
    private async Task<WatchOutcome> WatchAsync(CancellationToken stop, Action onFirstEvent)
    {
        Exception? error = null;
        var delivered = false;
        // KubernetesClient reports an ERROR event (a Status) to this callback and goes on reading; the server ends the
        // watch after it, and the error decides what comes next.
        await foreach (var (type, item) in _source.Watch(Volatile.Read(ref _resourceVersion), ex => error ??= ex, stop))
        {
            if (error is not null) break;
            if (!delivered)
            {
                delivered = true;
                onFirstEvent();
            }
            Apply(type, item);
        }
        if (error is not null)
        {
            if (IsGone(error)) return WatchOutcome.Gone;
            throw error;
        }
        return WatchOutcome.Ended;
    }

    private void Apply(WatchEventType type, T item)
    {
        if (item.Metadata?.ResourceVersion is { Length: > 0 } version) Volatile.Write(ref _resourceVersion, version);
        var key = Key(item);
        var cache = Volatile.Read(ref _cache);
        switch (type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                var existed = cache.ContainsKey(key);
                Volatile.Write(ref _cache, cache.SetItem(key, item));
                Raise(existed ? InformerEventKind.Modified : InformerEventKind.Added, item);
                break;
            case WatchEventType.Deleted:
                if (!cache.TryGetValue(key, out var old)) break;
                Volatile.Write(ref _cache, cache.Remove(key));
                Raise(InformerEventKind.Deleted, item.Metadata is null ? old : item);
                break;
            case WatchEventType.Bookmark:
                // Only the resourceVersion moves: a later watch resumes past events that matched nothing.
                break;
            case WatchEventType.Error:
                throw new KubernetesException("The watch sent an error event without a status");
        }
    }

    private void Raise(InformerEventKind kind, T item)
    {
        try
        {
            Changed?.Invoke(kind, item);
        }
        catch (Exception ex)
        {
            InformerLog.HandlerFailed(_logger, Name, ex);
        }
    }

    private static int CountModified(List<(InformerEventKind Kind, T)> changes)
    {
        var count = 0;
        foreach (var (kind, _) in changes) if (kind == InformerEventKind.Modified) count++;
        return count;
    }

    private static string Key(T item) => Key(item.Metadata?.NamespaceProperty, item.Metadata?.Name ?? "");

    private static string Key(string? ns, string name) => string.IsNullOrEmpty(ns) ? name : ns + "/" + name;

    /// <summary>410 Gone: as an ERROR event's Status, or as the watch request's own HTTP status.</summary>
    internal static bool IsGone(Exception ex) => ex switch
    {
        KubernetesException { Status.Code: (int)HttpStatusCode.Gone } => true,
        HttpOperationException { Response.StatusCode: HttpStatusCode.Gone } => true,
        _ => false,
    };

    private enum WatchOutcome
    {
        /// <summary>
        /// The server ended the watch: reopen it at once after events, after a pause when it delivered none (so a
        /// server that closes every watch at once is not hammered).
        /// </summary>
        Ended,

        /// <summary>The resourceVersion expired: relist.</summary>
        Gone,
    }
}
