using System.Globalization;
using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// Every stored object, by resource key then "namespace/name", with one global resourceVersion counter (as etcd's
/// revision). Reads return copies; writes commit under one lock and publish to the <see cref="WatchHub"/> in order.
/// Admission and patching happen outside: a write states the resourceVersion it was computed from.
/// </summary>
internal sealed partial class ObjectStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SortedDictionary<string, JsonObject>> _objects = [];
    private readonly ResourceCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly WatchHub _hub;
    private long _version;

    public ObjectStore(ResourceCatalog catalog, TimeProvider time, WatchHub hub)
    {
        _catalog = catalog;
        _time = time;
        _hub = hub;
    }

    public JsonObject? Get(ResourceType type, string? ns, string name)
    {
        lock (_gate)
        {
            return Bucket(type).TryGetValue(PathOf(ns, name), out var found) ? (JsonObject)found.DeepClone() : null;
        }
    }

    public (List<JsonObject> Items, long Version) List(ResourceType type, string? ns, LabelSelector labels, FieldSelector fields)
    {
        lock (_gate)
        {
            var items = new List<JsonObject>();
            foreach (var (path, obj) in Bucket(type))
            {
                if (ns is not null && !path.StartsWith(ns + "/", StringComparison.Ordinal))
                {
                    continue;
                }
                if (labels.Matches(obj["metadata"]?["labels"]) && fields.Matches(obj))
                {
                    items.Add((JsonObject)obj.DeepClone());
                }
            }
            return (items, _version);
        }
    }

    /// <summary>
    /// Stores a new object (a name taken is 409 AlreadyExists, generated or not, as on the real server): names it from
    /// generateName if need be and fills uid, creationTimestamp, resourceVersion, generation. A dry run makes the same
    /// checks and answers the object as it would be, without a resourceVersion, storing and publishing nothing.
    /// </summary>
    public JsonObject Create(ResourceType type, string? ns, JsonObject obj, bool dryRun = false)
    {
        lock (_gate)
        {
            var metadata = (JsonObject)obj["metadata"]!;
            if (ns is not null && !Bucket(_catalog.FindByKey("namespaces")!).ContainsKey(PathOf(null, ns)))
            {
                throw ApiException.NamespaceNotFound(ns);
            }
            var name = metadata["name"]?.GetValue<string>();
            if (string.IsNullOrEmpty(name))
            {
                name = ObjectNames.Generate(type, metadata["generateName"]?.GetValue<string>());
                metadata["name"] = name;
            }
            var bucket = Bucket(type);
            if (bucket.ContainsKey(PathOf(ns, name)))
            {
                throw ApiException.AlreadyExists(type, name);
            }
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Timestamp(_time.GetUtcNow());
            if (type.TracksGeneration)
            {
                metadata["generation"] = 1L;
            }
            if (type.Key == "customresourcedefinitions.apiextensions.k8s.io")
            {
                CustomResources.Establish(obj, _catalog, serve: !dryRun);
            }
            if (dryRun)
            {
                metadata.Remove("resourceVersion");
                return (JsonObject)obj.DeepClone();
            }
            metadata["resourceVersion"] = Next();
            bucket[PathOf(ns, name)] = obj;
            _hub.Publish(new WatchEvent(_version, "ADDED", type.Key, ns, (JsonObject)obj.DeepClone(), null));
            return (JsonObject)obj.DeepClone();
        }
    }

    /// <summary>
    /// Replaces an object, given the resourceVersion it was computed from: 409 Conflict when the stored one moved on.
    /// A main-resource write keeps the stored status (for kinds with a status subresource); a status write keeps all but status.
    /// The generation goes up when anything but metadata and status changes. A dry run answers the object as it would
    /// be, at the current resourceVersion, storing and publishing nothing.
    /// </summary>
    public JsonObject Replace(ResourceType type, string? ns, string name, JsonObject obj, string basedOn, bool status, bool dryRun = false)
    {
        lock (_gate)
        {
            var bucket = Bucket(type);
            if (!bucket.TryGetValue(PathOf(ns, name), out var old))
            {
                throw ApiException.NotFound(type, name);
            }
            var oldMetadata = (JsonObject)old["metadata"]!;
            if (oldMetadata["resourceVersion"]!.GetValue<string>() != basedOn)
            {
                throw ApiException.Conflict(type, name);
            }
            JsonObject updated;
            if (status)
            {
                updated = (JsonObject)old.DeepClone();
                updated["status"] = obj["status"]?.DeepClone();
            }
            else
            {
                updated = obj;
                if (type.HasStatus)
                {
                    updated["status"] = old["status"]?.DeepClone();
                }
            }
            var metadata = (JsonObject)updated["metadata"]!;
            metadata["name"] = name;
            metadata["uid"] = oldMetadata["uid"]!.DeepClone();
            metadata["creationTimestamp"] = oldMetadata["creationTimestamp"]!.DeepClone();
            if (ns is not null)
            {
                metadata["namespace"] = ns;
            }
            // Once set by a delete, deletionTimestamp stays whatever an update says.
            metadata["deletionTimestamp"] = oldMetadata["deletionTimestamp"]?.DeepClone();
            if (metadata["deletionTimestamp"] is null)
            {
                metadata.Remove("deletionTimestamp");
            }
            if (type.TracksGeneration)
            {
                var generation = oldMetadata["generation"]?.GetValue<long>() ?? 1;
                metadata["generation"] = SpecChanged(old, updated) ? generation + 1 : generation;
            }
            else
            {
                metadata.Remove("generation");
            }
            if (JsonNode.DeepEquals(old, WithVersion(updated, oldMetadata["resourceVersion"]!.GetValue<string>())))
            {
                // A no-op write keeps its resourceVersion and sends no event, as the real server does.
                return (JsonObject)old.DeepClone();
            }
            if (type.Key == "customresourcedefinitions.apiextensions.k8s.io")
            {
                CustomResources.Establish(updated, _catalog, serve: !dryRun);
            }
            if (dryRun)
            {
                return (JsonObject)updated.DeepClone();
            }
            metadata["resourceVersion"] = Next();
            if (metadata["deletionTimestamp"] is not null && metadata["finalizers"] is not JsonArray { Count: > 0 })
            {
                // The last finalizer is gone from an object being deleted: it goes now.
                bucket.Remove(PathOf(ns, name));
                _hub.Publish(new WatchEvent(_version, "DELETED", type.Key, ns, (JsonObject)updated.DeepClone(), null));
                return updated;
            }
            bucket[PathOf(ns, name)] = updated;
            _hub.Publish(new WatchEvent(_version, "MODIFIED", type.Key, ns, (JsonObject)updated.DeepClone(), (JsonObject)old.DeepClone()));
            return (JsonObject)updated.DeepClone();
        }
    }

    /// <summary>
    /// Deletes an object at once (no grace period: there is no kubelet), unless it has finalizers: then it gets a
    /// deletionTimestamp and goes when an update removes the last one. A namespace takes its contents along (their
    /// finalizers notwithstanding), a CRD its resources. A dry run answers what the delete would, changing nothing.
    /// </summary>
    public JsonObject Delete(ResourceType type, string? ns, string name, bool dryRun = false)
    {
        lock (_gate)
        {
            var bucket = Bucket(type);
            if (!bucket.TryGetValue(PathOf(ns, name), out var old))
            {
                throw ApiException.NotFound(type, name);
            }
            if (dryRun)
            {
                old = (JsonObject)old.DeepClone();
                if (old["metadata"]!["finalizers"] is JsonArray { Count: > 0 } && old["metadata"]!["deletionTimestamp"] is null)
                {
                    old["metadata"]!["deletionTimestamp"] = Timestamp(_time.GetUtcNow());
                    old["metadata"]!["deletionGracePeriodSeconds"] = 0;
                }
                return old;
            }
            var metadata = (JsonObject)old["metadata"]!;
            if (metadata["finalizers"] is JsonArray { Count: > 0 })
            {
                if (metadata["deletionTimestamp"] is null)
                {
                    var before = (JsonObject)old.DeepClone();
                    metadata["deletionTimestamp"] = Timestamp(_time.GetUtcNow());
                    metadata["deletionGracePeriodSeconds"] = 0;
                    metadata["resourceVersion"] = Next();
                    _hub.Publish(new WatchEvent(_version, "MODIFIED", type.Key, ns, (JsonObject)old.DeepClone(), before));
                }
                return (JsonObject)old.DeepClone();
            }
            bucket.Remove(PathOf(ns, name));
            if (type.Key == "namespaces")
            {
                foreach (var other in _catalog.Types)
                {
                    if (other.Namespaced)
                    {
                        RemoveAll(other, name);
                    }
                }
            }
            else if (type.Key == "customresourcedefinitions.apiextensions.k8s.io" && ResourceCatalog.CrdKey(old) is { } served)
            {
                if (_catalog.FindByKey(served) is { } custom)
                {
                    RemoveAll(custom, null);
                }
                _catalog.StopServing(served);
            }
            metadata["resourceVersion"] = Next();
            _hub.Publish(new WatchEvent(_version, "DELETED", type.Key, ns, (JsonObject)old.DeepClone(), null));
            return old;
        }
    }

    public static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private void RemoveAll(ResourceType type, string? ns)
    {
        var bucket = Bucket(type);
        var doomed = new List<string>();
        foreach (var path in bucket.Keys)
        {
            if (ns is null || path.StartsWith(ns + "/", StringComparison.Ordinal))
            {
                doomed.Add(path);
            }
        }
        foreach (var path in doomed)
        {
            bucket.Remove(path, out var old);
            old!["metadata"]!["resourceVersion"] = Next();
            _hub.Publish(new WatchEvent(_version, "DELETED", type.Key, old["metadata"]?["namespace"]?.GetValue<string>(),
                (JsonObject)old.DeepClone(), null));
        }
    }

    private static bool SpecChanged(JsonObject old, JsonObject updated)
    {
        foreach (var (key, value) in updated)
        {
            if (key is not ("metadata" or "status" or "apiVersion" or "kind") && !JsonNode.DeepEquals(value, old[key]))
            {
                return true;
            }
        }
        foreach (var (key, _) in old)
        {
            if (key is not ("metadata" or "status" or "apiVersion" or "kind") && !updated.ContainsKey(key))
            {
                return true;
            }
        }
        return false;
    }

    private static JsonObject WithVersion(JsonObject obj, string version)
    {
        obj["metadata"]!["resourceVersion"] = version;
        return obj;
    }

    private string Next() => (++_version).ToString(CultureInfo.InvariantCulture);

    private SortedDictionary<string, JsonObject> Bucket(ResourceType type)
    {
        if (!_objects.TryGetValue(type.Key, out var bucket))
        {
            bucket = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
            _objects[type.Key] = bucket;
        }
        return bucket;
    }

    private static string PathOf(string? ns, string name) => ns is null ? "/" + name : ns + "/" + name;
}
