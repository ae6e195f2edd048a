using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// One open watch: what it selects, and a bounded queue of ready-to-write watch events. Events are filtered and
/// copied under the store's lock (so the queue's order is the commit order); the response writes them outside it.
/// </summary>
internal sealed class Watcher
{
    private readonly Channel<JsonObject> _queue;

    public Watcher(ResourceType type, string version, string? ns, LabelSelector labels, FieldSelector fields, int queueLimit)
    {
        Type = type;
        Version = version;
        Namespace = ns;
        Labels = labels;
        Fields = fields;
        _queue = Channel.CreateBounded<JsonObject>(new BoundedChannelOptions(queueLimit)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public ResourceType Type { get; }
    public string Version { get; }
    public string? Namespace { get; }
    public LabelSelector Labels { get; }
    public FieldSelector Fields { get; }

    public ChannelReader<JsonObject> Events => _queue.Reader;

    public bool Selects(JsonObject obj) =>
        (Namespace is null || Namespace == obj["metadata"]?["namespace"]?.GetValue<string>())
        && Labels.Matches(obj["metadata"]?["labels"])
        && Fields.Matches(obj);

    /// <summary>
    /// Queues the event as this watch sees it: an update that moves an object into the selection reads as ADDED,
    /// out of it as DELETED (as the real server's watch cache does). Returns false when the watch is too slow and ends.
    /// </summary>
    public bool Offer(WatchEvent change)
    {
        if (change.Key != Type.Key || (Namespace is not null && change.Namespace != Namespace))
        {
            return true;
        }
        var now = Selects(change.Object);
        string type;
        if (change.Type == "MODIFIED" && change.Old is not null)
        {
            var before = Selects(change.Old);
            if (!now && !before)
            {
                return true;
            }
            type = now && before ? "MODIFIED" : now ? "ADDED" : "DELETED";
        }
        else
        {
            if (!now)
            {
                return true;
            }
            type = change.Type;
        }
        return Enqueue(type, change.Object);
    }

    public bool Enqueue(string type, JsonObject obj)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy["apiVersion"] = Type.ApiVersion(Version);
        return Write(new JsonObject { ["type"] = type, ["object"] = copy });
    }

    /// <summary>A bookmark: only kind, apiVersion and metadata.resourceVersion (plus the initial-events-end annotation when it ends the initial events).</summary>
    public bool Bookmark(long resourceVersion, bool initialEventsEnd = false)
    {
        var metadata = new JsonObject { ["resourceVersion"] = resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }
        return Write(new JsonObject
        {
            ["type"] = "BOOKMARK",
            ["object"] = new JsonObject { ["kind"] = Type.Kind, ["apiVersion"] = Type.ApiVersion(Version), ["metadata"] = metadata },
        });
    }

    public void Close() => _queue.Writer.TryComplete();

    private bool Write(JsonObject envelope)
    {
        if (_queue.Writer.TryWrite(envelope))
        {
            return true;
        }
        _queue.Writer.TryComplete();
        return false;
    }
}
