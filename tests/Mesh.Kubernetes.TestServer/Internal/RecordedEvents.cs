using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>Reads the stored Events (core/v1, and events.k8s.io/v1 mapped onto the same fields) as <see cref="RecordedEvent"/>s.</summary>
internal static class RecordedEvents
{
    public static IReadOnlyList<RecordedEvent> From(ObjectStore store, ResourceCatalog catalog)
    {
        var stored = new List<JsonObject>();
        foreach (var key in new[] { "events", "events.events.k8s.io" })
        {
            stored.AddRange(store.List(catalog.FindByKey(key)!, null, LabelSelector.Everything, FieldSelector.Everything).Items);
        }
        stored.Sort(Chronological);
        var events = new List<RecordedEvent>(stored.Count);
        foreach (var e in stored)
        {
            var core = e["apiVersion"]?.GetValue<string>() == "v1";
            var involved = core ? e["involvedObject"] : e["regarding"];
            events.Add(new RecordedEvent(
                Text(e["metadata"]?["namespace"]),
                Text(e["metadata"]?["name"]),
                Text(e["type"]),
                Text(e["reason"]),
                Text(core ? e["message"] : e["note"]),
                Text(involved?["kind"]),
                Text(involved?["name"]),
                Text(involved?["namespace"]),
                Text(involved?["apiVersion"]),
                Text(core ? e["reportingComponent"] ?? e["source"]?["component"] : e["reportingController"]),
                core ? (int?)e["count"]?.GetValue<int>() ?? 1 : (int?)e["series"]?["count"]?.GetValue<int>() ?? 1));
        }
        return events;
    }

    /// <summary>Creation second, then name (client-go names events by a nanosecond timestamp): oldest first.</summary>
    private static int Chronological(JsonObject a, JsonObject b)
    {
        var byTime = string.CompareOrdinal(Text(a["metadata"]?["creationTimestamp"]), Text(b["metadata"]?["creationTimestamp"]));
        return byTime != 0 ? byTime : string.CompareOrdinal(Text(a["metadata"]?["name"]), Text(b["metadata"]?["name"]));
    }

    private static string Text(JsonNode? node) => node is JsonValue value ? value.ToString() : "";
}
