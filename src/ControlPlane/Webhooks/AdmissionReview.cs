using System.Text.Json;
using System.Text.Json.Nodes;

namespace Mesh.ControlPlane.Webhooks;

/// <summary>
/// The parts of an AdmissionReview's request (admission.k8s.io/v1, or v1beta1 from older API servers) the webhooks use,
/// and the review written back: the same apiVersion, the request's uid, allowed, a status message, warnings.
/// </summary>
internal sealed record AdmissionReview
{
    public required string ApiVersion { get; init; }
    public required string Uid { get; init; }

    /// <summary>request.kind: the group, version and kind of the object.</summary>
    public required string Group { get; init; }
    public required string Version { get; init; }
    public required string Kind { get; init; }

    /// <summary>CREATE, UPDATE, DELETE or CONNECT.</summary>
    public required string Operation { get; init; }
    public string Namespace { get; init; } = "";
    public string Name { get; init; } = "";

    /// <summary>request.object, or null (a DELETE carries oldObject only).</summary>
    public JsonObject? Object { get; init; }

    /// <summary>Reads an AdmissionReview; null with <paramref name="error"/> when the JSON is not one.</summary>
    public static AdmissionReview? Parse(ReadOnlyMemory<byte> body, out string error)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException e)
        {
            error = "could not decode body: " + e.Message;
            return null;
        }

        if (root is not JsonObject review || review["request"] is not JsonObject request)
        {
            error = "could not decode body: not an AdmissionReview with a request";
            return null;
        }

        var apiVersion = Text(review, "apiVersion");
        if (apiVersion is not ("admission.k8s.io/v1" or "admission.k8s.io/v1beta1") || Text(review, "kind") != "AdmissionReview")
        {
            error = $"could not decode body: expected kind AdmissionReview of admission.k8s.io/v1 or v1beta1, got {Text(review, "kind") ?? "no kind"} of {apiVersion ?? "no apiVersion"}";
            return null;
        }

        var kind = request["kind"] as JsonObject;
        error = "";
        return new AdmissionReview
        {
            ApiVersion = apiVersion,
            Uid = Text(request, "uid") ?? "",
            Group = kind is null ? "" : Text(kind, "group") ?? "",
            Version = kind is null ? "" : Text(kind, "version") ?? "",
            Kind = kind is null ? "" : Text(kind, "kind") ?? "",
            Operation = Text(request, "operation") ?? "",
            Namespace = Text(request, "namespace") ?? "",
            Name = Text(request, "name") ?? "",
            Object = request["object"] as JsonObject,
        };
    }

    /// <summary>The review to answer with: allowed or not, the reason when not, the warnings kubectl prints.</summary>
    public byte[] Answer(bool allowed, string? message, IReadOnlyList<string> warnings) => Answer(ApiVersion, Uid, allowed, message, warnings);

    /// <summary>An answer to a body that was not a review at all (Istio answers those with a review too, without uid).</summary>
    public static byte[] Answer(string apiVersion, string uid, bool allowed, string? message, IReadOnlyList<string> warnings)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("apiVersion", apiVersion);
            json.WriteString("kind", "AdmissionReview");
            json.WriteStartObject("response");
            json.WriteString("uid", uid);
            json.WriteBoolean("allowed", allowed);
            if (message is not null)
            {
                json.WriteStartObject("status");
                json.WriteString("message", message);
                json.WriteEndObject();
            }

            if (warnings.Count > 0)
            {
                json.WriteStartArray("warnings");
                foreach (var warning in warnings) json.WriteStringValue(warning);
                json.WriteEndArray();
            }

            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static string? Text(JsonObject json, string name) =>
        json[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
