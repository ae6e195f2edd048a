using System.Text.Json;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Debug;

/// <summary>Writes <c>/debug/syncz</c>: per connected proxy and resource type, what was sent and ACKed, and whether it is SYNCED, STALE or NACKED.</summary>
internal static class SyncStatusWriter
{
    public static void Write(Utf8JsonWriter json, ConnectionRegistry registry, MeshSnapshotStore snapshots)
    {
        var connections = registry.Snapshot();
        json.WriteStartObject();
        if (snapshots.Current is { } snapshot) json.WriteNumber("snapshotVersion", snapshot.Version);
        else json.WriteNull("snapshotVersion");
        var overall = SyncStatus.Synced;
        foreach (var connection in connections) overall = Worse(overall, connection.OverallStatus);
        json.WriteString("status", Name(overall));
        json.WriteStartArray("proxies");
        foreach (var connection in connections) WriteProxy(json, connection);
        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteProxy(Utf8JsonWriter json, ProxyConnection connection)
    {
        var node = connection.Node;
        json.WriteStartObject();
        json.WriteString("id", node.Id);
        json.WriteString("role", node.Role switch { ProxyRole.Router => "router", ProxyRole.Sidecar => "sidecar", _ => "unspecified" });
        json.WriteString("workload", node.WorkloadName);
        json.WriteString("namespace", node.Namespace);
        json.WriteString("peer", connection.Peer);
        WriteOptional(json, "identity", connection.Caller?.Identity.Uri);
        WriteOptional(json, "authenticatedBy", connection.Caller?.Credential);
        json.WriteString("connectedSince", connection.ConnectedAt);
        json.WriteString("status", Name(connection.OverallStatus));
        json.WriteStartObject("types");
        foreach (var state in connection.GetStates())
        {
            json.WriteStartObject(TypeUrls.ShortName(state.TypeUrl));
            json.WriteString("status", Name(state.Status));
            WriteOptional(json, "sentVersion", state.SentVersion);
            WriteOptional(json, "sentNonce", state.SentNonce);
            WriteOptional(json, "sentAt", state.SentAt);
            WriteOptional(json, "ackedVersion", state.AckedVersion);
            WriteOptional(json, "ackedNonce", state.AckedNonce);
            WriteOptional(json, "ackedAt", state.AckedAt);
            if (state.LastNack is { } nack)
            {
                json.WriteStartObject("lastNack");
                json.WriteString("nonce", nack.Nonce);
                json.WriteString("versionKept", nack.VersionKept);
                json.WriteNumber("code", nack.Code);
                json.WriteString("message", nack.Message);
                json.WriteString("at", nack.At);
                json.WriteEndObject();
            }
            else
            {
                json.WriteNull("lastNack");
            }
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static string Name(SyncStatus status) => status switch
    {
        SyncStatus.Synced => "SYNCED",
        SyncStatus.Nacked => "NACKED",
        _ => "STALE",
    };

    private static SyncStatus Worse(SyncStatus a, SyncStatus b) =>
        a == SyncStatus.Nacked || b == SyncStatus.Nacked ? SyncStatus.Nacked
        : a == SyncStatus.Stale || b == SyncStatus.Stale ? SyncStatus.Stale
        : SyncStatus.Synced;

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is null) json.WriteNull(name);
        else json.WriteString(name, value);
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } at) json.WriteString(name, at);
        else json.WriteNull(name);
    }
}
