using System.Text.Json;
using Mesh.ControlPlane.Sources;

namespace Mesh.ControlPlane.Debug;

/// <summary>
/// Writes <c>/debug/configz</c>: the resources being served (kind, namespace, name, source, and the analyzer's messages
/// on each), what was rejected, with its errors, and every analyzer message as <c>meshctl validate</c> prints it.
/// </summary>
internal static class ConfigStateWriter
{
    public static void Write(Utf8JsonWriter json, ConfigState state)
    {
        json.WriteStartObject();
        json.WriteStartArray("resources");
        var resources = new List<Istio.IstioResource>(state.Resources);
        resources.Sort(static (a, b) =>
        {
            var byKind = string.CompareOrdinal(a.Kind, b.Kind);
            if (byKind != 0) return byKind;
            var byNamespace = string.CompareOrdinal(a.Metadata.Namespace, b.Metadata.Namespace);
            return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Metadata.Name, b.Metadata.Name);
        });
        foreach (var resource in resources)
        {
            json.WriteStartObject();
            json.WriteString("kind", resource.Kind);
            json.WriteString("namespace", resource.Metadata.Namespace);
            json.WriteString("name", resource.Metadata.Name);
            json.WriteString("apiVersion", resource.ApiVersion);
            json.WriteString("source", resource.Source.ToString());
            json.WriteStartArray("messages");
            foreach (var message in state.Messages)
            {
                if (message.Resource == resource.Key && message.File == resource.Source.File) WriteMessage(json, message);
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteStartArray("messages");
        foreach (var message in state.Messages) json.WriteStringValue(message.ToString());
        json.WriteEndArray();
        json.WriteStartArray("rejected");
        foreach (var rejection in state.Rejections)
        {
            json.WriteStartObject();
            json.WriteString("origin", rejection.Origin);
            json.WriteNumber("resourcesStillServed", rejection.ResourcesStillServed);
            json.WriteStartArray("errors");
            foreach (var error in rejection.Errors) json.WriteStringValue(error.ToString());
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter json, Istio.Analysis.AnalysisMessage message)
    {
        json.WriteStartObject();
        json.WriteString("code", message.Type.Code);
        json.WriteString("name", message.Type.Name);
        json.WriteString("level", message.Type.Level.ToString());
        if (message.Line is { } line) json.WriteNumber("line", line);
        json.WriteString("path", message.FieldPath);
        json.WriteString("message", message.Text);
        json.WriteEndObject();
    }
}
