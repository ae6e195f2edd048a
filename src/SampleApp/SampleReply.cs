using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mesh.SampleApp;

/// <summary>What the sample app answers: who served the request, the chain of hops behind it, and what it saw.</summary>
internal sealed record SampleReply(
    string Service,
    string Version,
    string Namespace,
    IReadOnlyList<string> Chain,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<UpstreamReply> Upstreams,
    string? Error = null);

/// <summary>The outcome of one call the app made to an upstream through its sidecar.</summary>
internal sealed record UpstreamReply(string Url, int Status, SampleReply? Reply, string? Error);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SampleReply))]
internal sealed partial class SampleJsonContext : JsonSerializerContext;
