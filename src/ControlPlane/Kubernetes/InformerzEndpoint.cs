using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary><c>/debug/informerz</c>: per informer, whether it synced, what it holds, where its watch resumes and how it fared.</summary>
internal static class InformerzEndpoint
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static void Map(IEndpointRouteBuilder endpoints, InformerCatalog catalog) =>
        endpoints.MapGet("/debug/informerz", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            using var buffer = new MemoryStream();
            await using (var json = new Utf8JsonWriter(buffer, Indented)) Write(json, catalog.Informers);
            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
        });

    public static void Write(Utf8JsonWriter json, IReadOnlyList<IInformerStatus> informers)
    {
        json.WriteStartObject();
        json.WriteStartArray("informers");
        foreach (var informer in informers)
        {
            var status = informer.Status();
            json.WriteStartObject();
            json.WriteString("name", status.Name);
            json.WriteBoolean("synced", status.Synced);
            json.WriteNumber("objects", status.Objects);
            json.WriteString("resourceVersion", status.ResourceVersion);
            if (status.LastSync is { } lastSync) json.WriteString("lastSync", lastSync);
            else json.WriteNull("lastSync");
            json.WriteNumber("relists", status.Relists);
            json.WriteNumber("watchRestarts", status.WatchRestarts);
            if (status.LastError is { } error) json.WriteString("lastError", error);
            else json.WriteNull("lastError");
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }
}
