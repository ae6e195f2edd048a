using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// A watch (?watch=true): one JSON event per line, streamed until the client leaves, timeoutSeconds passes or the
/// server closes it. From a resourceVersion older than the history: HTTP 200 and a single ERROR event with a 410
/// Expired Status, as the real server's watch cache answers. Bookmarks when asked for, every BookmarkInterval;
/// sendInitialEvents=true (the watch-list protocol) ends the initial ADDED events with an initial-events-end bookmark.
/// </summary>
internal sealed class WatchEndpoint(ObjectStore store, TimeProvider time, TestApiServerOptions options)
{
    public async Task WatchAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        long? from = null;
        var requested = query["resourceVersion"].ToString();
        var sendInitialEvents = query["sendInitialEvents"] == "true";
        if (sendInitialEvents && query["allowWatchBookmarks"] != "true")
        {
            throw ApiException.Invalid(request.Type, "", "allowWatchBookmarks: Required value: sendInitialEvents requires setting allowWatchBookmarks to true");
        }
        // With sendInitialEvents the watch starts with the current state whatever resourceVersion says (NotOlderThan it).
        if (!sendInitialEvents && requested.Length > 0 && requested != "0")
        {
            if (!long.TryParse(requested, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                throw ApiException.BadRequest($"invalid resource version \"{requested}\"");
            }
            from = parsed;
        }
        var watcher = new Watcher(request.Type, request.Version, request.Namespace, LabelSelector.Parse(query["labelSelector"]),
            FieldSelector.Parse(query["fieldSelector"]), options.WatchQueueLimit);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        try
        {
            store.Watch(watcher, from, sendInitialEvents);
        }
        catch (ApiException e) when (e.Code == 410)
        {
            await WriteEventAsync(context, new JsonObject { ["type"] = "ERROR", ["object"] = e.ToStatus() });
            return;
        }
        using var timeout = TimeoutSource(query["timeoutSeconds"]);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, timeout.Token);
        using var bookmarks = query["allowWatchBookmarks"] == "true"
            ? time.CreateTimer(_ => store.Bookmark(watcher), null, options.BookmarkInterval, options.BookmarkInterval)
            : null;
        try
        {
            await context.Response.StartAsync(stop.Token);
            await context.Response.Body.FlushAsync(stop.Token);
            await foreach (var change in watcher.Events.ReadAllAsync(stop.Token))
            {
                await WriteEventAsync(context, change);
            }
        }
        catch (OperationCanceledException)
        {
            // The client left or the watch's time ran out: the response simply ends.
        }
        finally
        {
            store.StopWatching(watcher);
        }
    }

    private CancellationTokenSource TimeoutSource(string? timeoutSeconds) =>
        int.TryParse(timeoutSeconds, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0
            ? new CancellationTokenSource(TimeSpan.FromSeconds(seconds), time)
            : new CancellationTokenSource();

    private static async Task WriteEventAsync(HttpContext context, JsonObject change)
    {
        var line = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(line, JsonResponses.WriterOptions))
        {
            change.WriteTo(writer);
        }
        line.Write("\n"u8);
        await context.Response.Body.WriteAsync(line.WrittenMemory, context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }
}
