// Istio's HTTP metadata exchange: who the calling workload is, carried from sidecar to sidecar in request headers.
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Encodes and decodes <c>x-envoy-peer-metadata</c> as Istio does: base64 of a serialized <c>google.protobuf.Struct</c>
/// holding the node's metadata (NAME, NAMESPACE, WORKLOAD_NAME, CLUSTER_ID, LABELS, ...), with the node id in
/// <c>x-envoy-peer-metadata-id</c>. An Istio sidecar on the other end understands ours, and we understand its.
/// </summary>
internal static class PeerMetadata
{
    public const string Header = "x-envoy-peer-metadata";
    public const string IdHeader = "x-envoy-peer-metadata-id";

    /// <summary>Headers larger than this are ignored rather than decoded (a peer's metadata is a few hundred bytes).</summary>
    private const int MaxEncodedLength = 8 * 1024;

    public static string Encode(string workload, string @namespace, IReadOnlyDictionary<string, string> labels, string proxyVersion)
    {
        var labelStruct = new Struct();
        foreach (var (key, value) in labels)
        {
            labelStruct.Fields[key] = Value.ForString(value);
        }

        var metadata = new Struct();
        metadata.Fields["NAME"] = Value.ForString(workload);
        metadata.Fields["NAMESPACE"] = Value.ForString(@namespace);
        metadata.Fields["WORKLOAD_NAME"] = Value.ForString(workload);
        metadata.Fields["CLUSTER_ID"] = Value.ForString(WorkloadPeers.DefaultClusterId);
        metadata.Fields["MESH_ID"] = Value.ForString(WorkloadPeers.TrustDomain);
        metadata.Fields["ISTIO_VERSION"] = Value.ForString(proxyVersion);
        metadata.Fields["LABELS"] = Value.ForStruct(labelStruct);
        return Convert.ToBase64String(metadata.ToByteArray());
    }

    /// <summary>The calling workload described by a header value; null when it is malformed (the caller then counts as unknown).</summary>
    public static WorkloadPeer? TryDecode(string encoded, string? principal)
    {
        if (encoded.Length > MaxEncodedLength)
        {
            return null;
        }

        Struct metadata;
        try
        {
            metadata = Struct.Parser.ParseFrom(Convert.FromBase64String(encoded));
        }
        catch (Exception ex) when (ex is FormatException or InvalidProtocolBufferException)
        {
            return null;
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata.Fields.TryGetValue("LABELS", out var labelValue) && labelValue.StructValue is { } labelStruct)
        {
            foreach (var (key, value) in labelStruct.Fields)
            {
                if (value.KindCase == Value.KindOneofCase.StringValue)
                {
                    labels[key] = value.StringValue;
                }
            }
        }

        var workload = Text(metadata, "WORKLOAD_NAME") ?? Text(metadata, "NAME");
        return WorkloadPeers.From(workload, Text(metadata, "NAMESPACE"), labels, principal, Text(metadata, "CLUSTER_ID"));
    }

    private static string? Text(Struct metadata, string key) =>
        metadata.Fields.TryGetValue(key, out var value) && value.KindCase == Value.KindOneofCase.StringValue && value.StringValue.Length > 0
            ? value.StringValue
            : null;
}
