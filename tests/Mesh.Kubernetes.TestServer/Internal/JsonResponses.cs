using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>Reading request bodies and writing JSON answers, the one place that touches the wire format.</summary>
internal static class JsonResponses
{
    /// <summary>Quotes escaped as \" (not \u0022), as Go's encoder writes them: clients and tests read messages verbatim.</summary>
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task WriteAsync(HttpContext context, int code, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            body.WriteTo(writer);
        }
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    public static async Task<JsonObject> ReadObjectAsync(HttpContext context)
    {
        JsonNode? node;
        try
        {
            node = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the body of the request was in an unknown format - accepted media types include: " +
                $"application/json, application/yaml ({e.Message})");
        }
        return node as JsonObject ?? throw ApiException.BadRequest("the body of the request must be a JSON object");
    }

    public static async Task<JsonNode> ReadNodeAsync(HttpContext context)
    {
        try
        {
            return await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted)
                ?? throw ApiException.BadRequest("the body of the request was empty");
        }
        catch (JsonException e)
        {
            throw ApiException.BadRequest($"the body of the request is not valid JSON: {e.Message}");
        }
    }
}
