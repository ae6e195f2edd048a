using System.Text.Json;
using Google.Protobuf;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Admin;

/// <summary>
/// Writes the snapshot being served as JSON: per type its version, nonce and resources (protobuf JSON). A gateway TLS
/// server's inline private key is written as "[redacted]", as Envoy does: the admin port is not a way to read Secrets.
/// </summary>
internal static class ConfigDumpWriter
{
    public const string Redacted = "[redacted]";

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
                writer.WriteRawValue(Formatter.Format(WithoutSecrets(resource)), skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static IMessage WithoutSecrets(IMessage resource)
    {
        if (resource is Cluster { Tls.PrivateKeyPem.Length: > 0 } cluster)
        {
            var redacted = cluster.Clone();
            redacted.Tls.PrivateKeyPem = Redacted;
            return redacted;
        }

        if (resource is not Listener listener) return resource;
        var inline = false;
        foreach (var server in listener.TlsServers) inline |= server.PrivateKeyPem.Length > 0;
        if (!inline) return resource;
        var copy = listener.Clone();
        foreach (var server in copy.TlsServers)
        {
            if (server.PrivateKeyPem.Length > 0) server.PrivateKeyPem = Redacted;
        }

        return copy;
    }
}
