using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// A custom resource as the API server sent it: its metadata for the informer's cache, and its JSON text whole for
/// the config loader, so no field is lost to a typed model.
/// </summary>
[JsonConverter(typeof(CustomObjectConverter))]
internal sealed class CustomObject : IKubernetesObject<V1ObjectMeta>
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>The object's JSON, as received.</summary>
    public string Json { get; set; } = "{}";

    public static CustomObject Parse(JsonElement element, JsonSerializerOptions options) => new()
    {
        ApiVersion = element.TryGetProperty("apiVersion", out var apiVersion) ? apiVersion.GetString() ?? "" : "",
        Kind = element.TryGetProperty("kind", out var kind) ? kind.GetString() ?? "" : "",
        Metadata = element.TryGetProperty("metadata", out var metadata) ? metadata.Deserialize<V1ObjectMeta>(options) ?? new() : new(),
        Json = element.GetRawText(),
    };

    private sealed class CustomObjectConverter : JsonConverter<CustomObject>
    {
        public override CustomObject Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("A custom object must be a JSON object.");
            return Parse(document.RootElement, options);
        }

        public override void Write(Utf8JsonWriter writer, CustomObject value, JsonSerializerOptions options) => writer.WriteRawValue(value.Json);
    }
}

/// <summary>A list of custom objects (what <c>GET /apis/G/V/PLURAL</c> returns).</summary>
internal sealed class CustomObjectList
{
    [JsonPropertyName("metadata")]
    public V1ListMeta? Metadata { get; set; }

    [JsonPropertyName("items")]
    public List<CustomObject>? Items { get; set; }
}
