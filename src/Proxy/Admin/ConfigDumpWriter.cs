using System.Text.Json;
using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Admin;

/// <summary>Writes the snapshot being served as JSON: per type its version, nonce and resources (protobuf JSON).</summary>
internal static class ConfigDumpWriter
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(false));

    public static void Write(Utf8JsonWriter writer, ProxySnapshot snapshot)
    {
        writer.WriteStartObject();
        writer.WriteBoolean("ready", snapshot.IsComplete);
        writer.WriteStartObject("configs");
        foreach (var typeUrl in TypeUrls.PushOrder)
        {
            var applied = snapshot.GetApplied(typeUrl);
            writer.WriteStartObject(TypeUrls.ShortName(typeUrl));
            writer.WriteString("type_url", typeUrl);
            writer.WriteString("version_info", applied.Version);
            writer.WriteString("nonce", applied.Nonce);
            writer.WriteStartArray("resources");
            foreach (var resource in applied.Resources)
            {
                writer.WriteRawValue(Formatter.Format(resource), skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
