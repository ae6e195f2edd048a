using System.Collections.Frozen;

namespace Mesh.ControlPlane.Model;

/// <summary>
/// One entry of meshConfig.extensionProviders: its kind (opentelemetry, zipkin, envoyFileAccessLog...) and, for an
/// opentelemetry provider, where spans go: OTLP over gRPC to <c>http://service:port</c>, or over HTTP (its <c>http</c>
/// settings) to <c>http://service:port/path</c>, with <see cref="Http"/>'s timeout and headers. <see cref="Unsupported"/>
/// names the provider's settings that have no effect here, comma-separated.
/// </summary>
internal sealed record TracingProvider(string Kind, string? OtlpEndpoint, bool OtlpOverHttp = false, string Unsupported = "", OtlpHttpSettings? Http = null)
{
    public const string OpenTelemetryKind = "opentelemetry";

    /// <summary>What of this provider has no effect here, for the mesh config's report; null when all of it takes effect.</summary>
    public string? WithoutEffect => OtlpEndpoint is null
        ? $"{Kind}: only opentelemetry tracing providers are implemented; access logs and metrics have built-in providers, envoy and prometheus"
        : Unsupported.Length > 0 ? $"opentelemetry {Unsupported}: not applied, spans go to its service and port" : null;
}

/// <summary>
/// An opentelemetry provider's <c>http</c> settings beyond its path: how long an export may take (Istio's default 3 s)
/// and the headers each export carries, in the order written; equal when their contents are.
/// </summary>
internal sealed record OtlpHttpSettings(TimeSpan Timeout, IReadOnlyList<KeyValuePair<string, string>> Headers)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(3);

    public bool Equals(OtlpHttpSettings? other) => other is not null && Timeout == other.Timeout && Headers.SequenceEqual(other.Headers);

    public override int GetHashCode() => HashCode.Combine(Timeout, Headers.Count);
}

/// <summary>
/// The extension providers a Telemetry's tracing may name, by name; equal when their contents are, so that publishing
/// the same mesh config again is not a change.
/// </summary>
internal sealed class TracingProviderTable : IEquatable<TracingProviderTable>
{
    private readonly FrozenDictionary<string, TracingProvider> _byName;

    public TracingProviderTable(IReadOnlyDictionary<string, TracingProvider> byName) =>
        _byName = byName.ToFrozenDictionary(StringComparer.Ordinal);

    public static TracingProviderTable Empty { get; } = new(new Dictionary<string, TracingProvider>());

    public IReadOnlyDictionary<string, TracingProvider> ByName => _byName;

    public bool Equals(TracingProviderTable? other)
    {
        if (other is null || other._byName.Count != _byName.Count) return false;
        foreach (var (name, provider) in _byName)
        {
            if (!other._byName.TryGetValue(name, out var theirs) || theirs != provider) return false;
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is TracingProviderTable other && Equals(other);

    public override int GetHashCode() => _byName.Count;
}
