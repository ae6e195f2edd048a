using System.Threading.Channels;
using k8s;
using k8s.Models;
using Mesh.Kubernetes.TestServer;

namespace Mesh.Kubernetes.Tests;

/// <summary>Watches through KubernetesClient: order, resourceVersion resumption, 410 Gone, bookmarks, closing.</summary>
public sealed class WatchTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static V1ConfigMap ConfigMap(string name) => new() { Metadata = new V1ObjectMeta { Name = name } };

    /// <summary>Runs a watch in the background; its events and its error land in channels the test reads with a timeout.</summary>
    private sealed class WatchRecorder : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _pump;

        public WatchRecorder(IKubernetes client, string? resourceVersion, bool bookmarks = false)
        {
            _pump = Task.Run(async () =>
            {
                try
                {
                    var watch = client.CoreV1.WatchListNamespacedConfigMapAsync("default", resourceVersion: resourceVersion,
                        allowWatchBookmarks: bookmarks, onError: e => Errors.Writer.TryWrite(e), cancellationToken: _stop.Token);
                    await foreach (var (type, item) in watch)
                    {
                        await Events.Writer.WriteAsync((type, item));
                    }
                }
                catch (OperationCanceledException)
                {
                }
                catch (Exception e)
                {
                    Errors.Writer.TryWrite(e);
                }
                Events.Writer.TryComplete();
            });
        }

        public Channel<(WatchEventType Type, V1ConfigMap Item)> Events { get; } = Channel.CreateUnbounded<(WatchEventType, V1ConfigMap)>();
        public Channel<Exception> Errors { get; } = Channel.CreateUnbounded<Exception>();

        public async Task<(WatchEventType Type, V1ConfigMap Item)> NextAsync()
        {
            using var timeout = new CancellationTokenSource(Limit);
            return await Events.Reader.ReadAsync(timeout.Token);
        }

        public async Task<(WatchEventType Type, V1ConfigMap Item)> NextOfAsync(WatchEventType wanted)
        {
            while (true)
            {
                var next = await NextAsync();
                if (next.Type == wanted)
                {
                    return next;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            await _pump;
            _stop.Dispose();
        }
    }

    [Fact]
    public async Task Watch_FromListVersion_SeesChangesInOrder()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("before"), "default");
        var list = await fixture.Client.CoreV1.ListNamespacedConfigMapAsync("default");
        await using var watch = new WatchRecorder(fixture.Client, list.Metadata.ResourceVersion);

        var created = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        created.Data = new Dictionary<string, string> { ["k"] = "v" };
        await fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default");
        await fixture.Client.CoreV1.DeleteNamespacedConfigMapAsync("a", "default");

        var events = new[] { await watch.NextAsync(), await watch.NextAsync(), await watch.NextAsync() };
        Assert.Equal([WatchEventType.Added, WatchEventType.Modified, WatchEventType.Deleted], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal("a", e.Item.Metadata.Name));
        Assert.Equal("v", events[1].Item.Data["k"]);
        var versions = events.Select(e => long.Parse(e.Item.Metadata.ResourceVersion)).ToArray();
        Assert.True(versions[0] < versions[1] && versions[1] < versions[2], string.Join(",", versions));
    }

    [Fact]
    public async Task Watch_WithoutVersion_StartsWithSyntheticAdds()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("existing"), "default");

        await using var watch = new WatchRecorder(fixture.Client, null);

        var first = await watch.NextAsync();
        Assert.Equal((WatchEventType.Added, "existing"), (first.Type, first.Item.Metadata.Name));
    }

    [Fact]
    public async Task Watch_FromCompactedVersion_GetsGoneError()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var old = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b"), "default");
        fixture.Server.CompactHistory();

        await using var watch = new WatchRecorder(fixture.Client, old.Metadata.ResourceVersion);

        using var timeout = new CancellationTokenSource(Limit);
        var error = Assert.IsType<KubernetesException>(await watch.Errors.Reader.ReadAsync(timeout.Token));
        Assert.Equal(410, error.Status.Code);
        Assert.Equal("Expired", error.Status.Reason);
        Assert.StartsWith("too old resource version", error.Status.Message);
    }

    [Fact]
    public async Task Watch_HistoryBeyondLimit_GetsGoneError()
    {
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions { WatchHistoryLimit = 2 });
        var old = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        for (var i = 0; i < 3; i++)
        {
            await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("n" + i), "default");
        }

        await using var watch = new WatchRecorder(fixture.Client, old.Metadata.ResourceVersion);

        using var timeout = new CancellationTokenSource(Limit);
        var error = Assert.IsType<KubernetesException>(await watch.Errors.Reader.ReadAsync(timeout.Token));
        Assert.Equal(410, error.Status.Code);
    }

    [Fact]
    public async Task Watch_WithBookmarks_ReceivesBookmarkAtCurrentVersion()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var fixture = await ServerFixture.StartAsync(new TestApiServerOptions { Time = time, BookmarkInterval = TimeSpan.FromSeconds(30) });
        var created = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        await using var watch = new WatchRecorder(fixture.Client, created.Metadata.ResourceVersion, bookmarks: true);
        // A change seen proves the watch (and its bookmark timer) is armed before time moves.
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b"), "default");
        var added = await watch.NextAsync();

        time.Advance(TimeSpan.FromSeconds(30));

        var bookmark = await watch.NextOfAsync(WatchEventType.Bookmark);
        Assert.Equal(added.Item.Metadata.ResourceVersion, bookmark.Item.Metadata.ResourceVersion);
    }

    [Fact]
    public async Task CloseWatches_EndsOpenWatch()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        await using var watch = new WatchRecorder(fixture.Client, null);
        await watch.NextAsync();

        fixture.Server.CloseWatches();

        using var timeout = new CancellationTokenSource(Limit);
        Assert.False(await watch.Events.Reader.WaitToReadAsync(timeout.Token));
    }

    [Fact]
    public async Task Watch_LabelSelector_RelabelOutOfSelectionReadsAsDeleted()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var labelled = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a", Labels = new Dictionary<string, string> { ["app"] = "web" } } };
        var created = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(labelled, "default");
        using var timeout = new CancellationTokenSource(Limit);
        await using var events = fixture.Client.CoreV1.WatchListNamespacedConfigMapAsync("default", labelSelector: "app=web",
            resourceVersion: created.Metadata.ResourceVersion, cancellationToken: timeout.Token).GetAsyncEnumerator(timeout.Token);

        created.Metadata.Labels["app"] = "db";
        var moveNext = events.MoveNextAsync();
        await fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default");

        Assert.True(await moveNext);
        Assert.Equal(WatchEventType.Deleted, events.Current.Item1);
    }
    [Fact]
    public async Task Watch_SendInitialEvents_EndsInitialEventsWithAnnotatedBookmark()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("existing"), "default");
        using var handler = new HttpClientHandler();
        var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(fixture.Server.CaCertificatePem);
        handler.ServerCertificateCustomValidationCallback = (_, certificate, chain, _) =>
        {
            chain!.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            return chain.Build(certificate!);
        };
        using var http = new HttpClient(handler);
        http.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Server.AdminToken);
        using var timeout = new CancellationTokenSource(Limit);

        using var response = await http.GetAsync(new Uri(fixture.Server.Url,
            "/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan"),
            HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var added = System.Text.Json.Nodes.JsonNode.Parse((await reader.ReadLineAsync(timeout.Token))!)!;
        var bookmark = System.Text.Json.Nodes.JsonNode.Parse((await reader.ReadLineAsync(timeout.Token))!)!;

        Assert.Equal(("ADDED", "existing"), (added["type"]!.GetValue<string>(), added["object"]!["metadata"]!["name"]!.GetValue<string>()));
        Assert.Equal("BOOKMARK", bookmark["type"]!.GetValue<string>());
        Assert.Equal("true", bookmark["object"]!["metadata"]!["annotations"]!["k8s.io/initial-events-end"]!.GetValue<string>());
    }
}
