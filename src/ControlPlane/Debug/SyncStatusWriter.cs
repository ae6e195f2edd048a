using System.Text.Json;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;

namespace Mesh.ControlPlane.Debug;

/// <summary>
/// Writes <c>/debug/syncz</c> in istiod's shape, which Kiali and istioctl read: a JSON array, one object per connected
/// proxy with <c>proxy</c> ("pod.namespace"), <c>proxy_type</c>, <c>cluster_id</c>, <c>istio_version</c> and the nonce
/// sent and ACKed per type (<c>cluster_sent</c>/<c>cluster_acked</c>, listener, route, endpoint; absent when nothing was
/// sent, which Kiali shows as NOT_SENT). Each object also carries this mesh's own view: the node id, the versions,
/// SYNCED / STALE / NACKED per type and the last NACK's reason (what <c>meshctl proxy-status</c> prints).
/// </summary>
internal static class SyncStatusWriter
{
    public static void Write(Utf8JsonWriter json, ConnectionRegistry registry, string clusterId)
    {
        var connections = registry.Snapshot();
        json.WriteStartArray();
        foreach (var connection in connections) WriteProxy(json, connection, clusterId);
        json.WriteEndArray();
    }

    private static void WriteProxy(Utf8JsonWriter json, ProxyConnection connection, string clusterId)
    {
        var node = connection.Node;
        json.WriteStartObject();
        // istiod's fields first (omitted when empty, as its omitempty JSON does).
        json.WriteString("cluster_id", clusterId);
        json.WriteString("proxy", $"{node.WorkloadName}.{node.Namespace}");
        json.WriteString("proxy_type", node.Role == ProxyRole.Router ? "router" : "sidecar");
        if (node.ProxyVersion.Length > 0) json.WriteString("istio_version", node.ProxyVersion);
        var states = connection.GetStates();
        WriteNonces(json, "cluster", states, TypeUrls.Cluster);
        WriteNonces(json, "listener", states, TypeUrls.Listener);
        WriteNonces(json, "route", states, TypeUrls.Route);
        WriteNonces(json, "endpoint", states, TypeUrls.Endpoints);
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
        foreach (var state in states)
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

    private static void WriteNonces(Utf8JsonWriter json, string prefix, IReadOnlyList<TypeSyncState> states, string typeUrl)
    {
        foreach (var state in states)
        {
            if (state.TypeUrl != typeUrl) continue;
            if (state.SentNonce is { } sent) json.WriteString(prefix + "_sent", sent);
            if (state.AckedNonce is { } acked) json.WriteString(prefix + "_acked", acked);
        }
    }

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
