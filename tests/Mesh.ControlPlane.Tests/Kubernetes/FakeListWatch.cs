using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>
/// An API server's list and watch for one kind, driven by the test: it sets what the next list returns, sees each
/// watch open (with its resourceVersion), sends events into it, ends it, or fails it.
/// </summary>
internal sealed class FakeListWatch
{
    private readonly ConcurrentQueue<FakeWatch> _watches = new();
    private int _lists;

    public List<V1ConfigMap> Objects { get; set; } = [];

    public string ResourceVersion { get; set; } = "1";

    /// <summary>When set, every list throws it.</summary>
    public Exception? ListFailure { get; set; }

    /// <summary>When set, every watch fails with it as it opens.</summary>
    public Exception? WatchFailure { get; set; }

    public int Lists => Volatile.Read(ref _lists);

    public IReadOnlyList<FakeWatch> Watches => [.. _watches];

    public InformerSource<V1ConfigMap> Source => new(
        _ =>
        {
            Interlocked.Increment(ref _lists);
            if (ListFailure is { } failure) throw failure;
            return Task.FromResult(new InformerList<V1ConfigMap>([.. Objects], ResourceVersion));
        },
        Watch);

    private async IAsyncEnumerable<(WatchEventType, V1ConfigMap)> Watch(string resourceVersion, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var watch = new FakeWatch(resourceVersion, onError);
        _watches.Enqueue(watch);
        if (WatchFailure is { } failure) throw failure;
        await foreach (var item in watch.Events.Reader.ReadAllAsync(cancellationToken)) yield return item;
    }

    public static V1ConfigMap Object(string ns, string name, string resourceVersion) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Metadata = new V1ObjectMeta { NamespaceProperty = ns, Name = name, ResourceVersion = resourceVersion },
    };

    public static V1ConfigMap Bookmark(string resourceVersion) => new() { Metadata = new V1ObjectMeta { ResourceVersion = resourceVersion } };

    internal sealed class FakeWatch(string resourceVersion, Action<Exception> onError)
    {
        public string ResourceVersion { get; } = resourceVersion;

        public Channel<(WatchEventType, V1ConfigMap)> Events { get; } = Channel.CreateUnbounded<(WatchEventType, V1ConfigMap)>();

        public void Send(WatchEventType type, V1ConfigMap item) => Events.Writer.TryWrite((type, item));

        public void End() => Events.Writer.TryComplete();

        /// <summary>What KubernetesClient does with an ERROR event: the Status goes to the error callback, then the server ends the watch.</summary>
        public void SendError(int code, string reason)
        {
            onError(new KubernetesException(new V1Status { Code = code, Reason = reason, Message = "too old resource version" }));
            End();
        }
    }
}

/// <summary>A fake clock that counts the timers armed on it, so a test moves time only once the code waits on it.</summary>
internal sealed class ArmedClock : TimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _armed = new();

    public FakeTimeProvider Fake { get; } = new();

    /// <summary>The delay of every timer armed so far, in order.</summary>
    public IReadOnlyList<TimeSpan> Armed => [.. _armed];

    public override DateTimeOffset GetUtcNow() => Fake.GetUtcNow();

    public override long GetTimestamp() => Fake.GetTimestamp();

    public override long TimestampFrequency => Fake.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Fake.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan) _armed.Enqueue(dueTime);
        return timer;
    }
}
