using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.ControlPlane.Tests.Kubernetes;

public sealed class InformerTests
{
    private static readonly InformerBackoff FixedBackoff = new() { Initial = TimeSpan.FromSeconds(1), Max = TimeSpan.FromSeconds(4), Jitter = 0.2, Random = () => 0 };

    [Fact]
    public async Task Start_ListsThenWatchesFromTheListsVersion_RaisingAddedForEachObject()
    {
        var api = new FakeListWatch { Objects = [FakeListWatch.Object("a", "one", "5"), FakeListWatch.Object("b", "two", "6")], ResourceVersion = "7" };
        await using var informer = Create(api, new ArmedClock());
        var events = Record(informer);

        informer.Start();
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        await Eventually.TrueAsync(() => api.Watches.Count == 1, "the watch");

        Assert.True(informer.HasSynced);
        Assert.Equal("7", api.Watches[0].ResourceVersion);
        Assert.Equal(["Added a/one", "Added b/two"], events.Order(StringComparer.Ordinal));
        Assert.Equal("two", informer.Get("b", "two")?.Metadata.Name);
        Assert.Null(informer.Get("a", "two"));
        Assert.Equal(2, informer.List().Count);
    }

    [Fact]
    public async Task Watch_Bookmark_MovesTheResourceVersionOnly()
    {
        var api = new FakeListWatch { Objects = [FakeListWatch.Object("a", "one", "5")], ResourceVersion = "5" };
        await using var informer = Create(api, new ArmedClock());
        var events = Record(informer);
        informer.Start();
        await Eventually.TrueAsync(() => api.Watches.Count == 1, "the watch");

        api.Watches[0].Send(WatchEventType.Bookmark, FakeListWatch.Bookmark("42"));
        await Eventually.TrueAsync(() => informer.Status().ResourceVersion == "42", "the bookmark's resourceVersion");
        api.Watches[0].End();
        await Eventually.TrueAsync(() => api.Watches.Count == 2, "the watch reopened");

        Assert.Equal("42", api.Watches[1].ResourceVersion);
        Assert.Equal(["Added a/one"], events);
        Assert.Single(informer.List());
        Assert.Equal(1, api.Lists);
    }

    [Fact]
    public async Task Watch_Events_UpdateTheCacheBeforeHandlersRun()
    {
        var api = new FakeListWatch();
        await using var informer = Create(api, new ArmedClock());
        var seenInCache = new List<string>();
        informer.Changed += (kind, item) =>
        {
            var cached = informer.Get(item.Metadata.NamespaceProperty, item.Metadata.Name)?.Metadata.ResourceVersion ?? "absent";
            lock (seenInCache) seenInCache.Add($"{kind} {cached}");
        };
        informer.Start();
        await Eventually.TrueAsync(() => api.Watches.Count == 1, "the watch");

        api.Watches[0].Send(WatchEventType.Added, FakeListWatch.Object("a", "one", "2"));
        api.Watches[0].Send(WatchEventType.Modified, FakeListWatch.Object("a", "one", "3"));
        api.Watches[0].Send(WatchEventType.Deleted, FakeListWatch.Object("a", "one", "4"));
        await Eventually.TrueAsync(() => { lock (seenInCache) return seenInCache.Count == 3; }, "every event handled");

        lock (seenInCache) Assert.Equal(["Added 2", "Modified 3", "Deleted absent"], seenInCache);
        Assert.Empty(informer.List());
    }

    [Fact]
    public async Task Watch_Gone_RelistsAndRaisesOnlyTheDifference()
    {
        var api = new FakeListWatch { Objects = [FakeListWatch.Object("a", "same", "1"), FakeListWatch.Object("a", "edited", "1"), FakeListWatch.Object("a", "removed", "1")], ResourceVersion = "1" };
        await using var informer = Create(api, new ArmedClock());
        var events = Record(informer);
        informer.Start();
        await Eventually.TrueAsync(() => api.Watches.Count == 1, "the watch");
        events.Clear();

        api.Objects = [FakeListWatch.Object("a", "same", "1"), FakeListWatch.Object("a", "edited", "8"), FakeListWatch.Object("a", "new", "9")];
        api.ResourceVersion = "10";
        api.Watches[0].SendError(410, "Expired");
        await Eventually.TrueAsync(() => api.Watches.Count == 2, "the watch reopened after the relist");

        Assert.Equal(2, api.Lists);
        Assert.Equal("10", api.Watches[1].ResourceVersion);
        Assert.Equal(["Added a/new", "Deleted a/removed", "Modified a/edited"], events.Order(StringComparer.Ordinal));
        Assert.Equal(1, informer.Status().Relists);
    }

    [Fact]
    public async Task Watch_GoneAsTheRequestsStatus_Relists()
    {
        var api = new FakeListWatch();
        var clock = new ArmedClock();
        await using var informer = Create(api, clock);
        informer.Start();
        await Eventually.TrueAsync(() => api.Watches.Count == 1, "the watch");

        api.WatchFailure = new HttpOperationException("gone") { Response = new HttpResponseMessageWrapper(new HttpResponseMessage(System.Net.HttpStatusCode.Gone), "") };
        api.Watches[0].End();
        // A watch that ends without an event is reopened after a quiet pause; that one is refused with 410.
        await Eventually.TrueAsync(() => clock.Armed.Count == 1, "the quiet pause armed");
        clock.Fake.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => api.Lists == 2, "a relist after a 410 on the watch request");
        // The relist's own version is refused at once too: that is a failure, retried with backoff, not a tight loop.
        await Eventually.TrueAsync(() => clock.Armed.Count == 2, "the backoff after a second 410 in a row");
        Assert.Equal(2, api.Lists);
        Assert.Equal(3, api.Watches.Count);
        Assert.Contains("410", informer.Status().LastError);
    }

    [Fact]
    public async Task Watch_Failing_BacksOffExponentiallyToTheCapAndLogsOnce()
    {
        var api = new FakeListWatch();
        var clock = new ArmedClock();
        var logs = new LogCapture();
        await using var informer = new Informer<V1ConfigMap>("v1/configmaps", api.Source, clock, logs.CreateLogger("informer"), FixedBackoff);
        informer.Start();
        await Eventually.TrueAsync(() => api.Watches.Count == 1, "the watch");

        api.WatchFailure = new HttpRequestException("connection refused");
        api.Watches[0].SendError(500, "InternalError");
        // Each failure arms one timer: 1 s, 2 s, 4 s, then the cap (4 s), and each one's end opens the next watch.
        TimeSpan[] expected = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(4)];
        for (var i = 0; i < expected.Length; i++)
        {
            var armed = i + 1;
            await Eventually.TrueAsync(() => clock.Armed.Count == armed, $"backoff {armed} armed");
            Assert.Equal(expected[i], clock.Armed[i]);
            clock.Fake.Advance(expected[i] - TimeSpan.FromMilliseconds(1));
            Assert.Equal(armed, api.Watches.Count);
            clock.Fake.Advance(TimeSpan.FromMilliseconds(1));
            await Eventually.TrueAsync(() => api.Watches.Count == armed + 1, $"the watch after backoff {armed}");
        }
        await Eventually.TrueAsync(() => clock.Armed.Count == expected.Length + 1, "the last failure's backoff armed");

        // The first failure (a 500 Status) and the second (connection refused) differ; the repeats are not logged.
        var failing = logs.Lines.Where(line => line.EventId == 401).Select(line => line.Message).ToList();
        Assert.Equal(2, failing.Count);
        Assert.Contains("500 InternalError", failing[0]);
        Assert.Contains("connection refused", failing[1]);
        Assert.Equal("connection refused", informer.Status().LastError);

        api.WatchFailure = null;
        clock.Fake.Advance(TimeSpan.FromSeconds(4));
        await Eventually.TrueAsync(() => api.Watches.Count == expected.Length + 2, "a healthy watch");
        api.Watches[^1].Send(WatchEventType.Added, FakeListWatch.Object("a", "b", "3"));
        await Eventually.TrueAsync(() => logs.Lines.Any(line => line.EventId == 402), "the recovery logged");
    }

    [Fact]
    public async Task Start_ListFailing_RetriesAndSyncsOnceTheListSucceeds()
    {
        var api = new FakeListWatch { ListFailure = new HttpRequestException("no route to host") };
        var clock = new ArmedClock();
        await using var informer = Create(api, clock);
        informer.Start();
        await Eventually.TrueAsync(() => clock.Armed.Count == 1, "the retry armed");
        Assert.False(informer.HasSynced);

        api.ListFailure = null;
        clock.Fake.Advance(TimeSpan.FromSeconds(1));
        await informer.WaitForSyncAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(2, api.Lists);
        Assert.Equal(0, informer.Status().Relists);
    }

    [Fact]
    public async Task StopAsync_EndsTheWatch()
    {
        var api = new FakeListWatch();
        var informer = Create(api, new ArmedClock());
        informer.Start();
        await Eventually.TrueAsync(() => api.Watches.Count == 1, "the watch");

        await informer.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(api.Watches);
    }

    private static Informer<V1ConfigMap> Create(FakeListWatch api, ArmedClock clock) =>
        new("v1/configmaps", api.Source, clock, NullLogger.Instance, FixedBackoff);

    private static List<string> Record(Informer<V1ConfigMap> informer)
    {
        var events = new List<string>();
        informer.Changed += (kind, item) => { lock (events) events.Add($"{kind} {item.Metadata.NamespaceProperty}/{item.Metadata.Name}"); };
        return events;
    }
}
