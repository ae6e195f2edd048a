using System.Text.Json;
using Mesh.ControlPlane.Model;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// <c>/debug/meshz</c>: the mesh config in effect (the implemented fields' values), the ConfigMap and resourceVersion it
/// came from, which written fields took effect, which had none and why, and the latest refusal if any.
/// </summary>
internal static class MeshzEndpoint
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    public static void Map(IEndpointRouteBuilder endpoints, Func<MeshConfigState> state) =>
        endpoints.MapGet("/debug/meshz", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            using var buffer = new MemoryStream();
            await using (var json = new Utf8JsonWriter(buffer, Indented)) Write(json, state());
            buffer.Position = 0;
            await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
        });

    public static void Write(Utf8JsonWriter json, MeshConfigState state)
    {
        json.WriteStartObject();
        json.WriteString("source", state.Source);
        if (state.ResourceVersion is { } version) json.WriteString("resourceVersion", version);
        else json.WriteNull("resourceVersion");
        json.WriteStartObject("meshConfig");
        json.WriteStartObject("defaultConfig");
        json.WriteString("discoveryAddress", state.Injection.DiscoveryAddress);
        json.WriteBoolean("holdApplicationUntilProxyStarts", state.Injection.HoldApplicationUntilProxyStarts);
        if (state.Injection.Concurrency is { } concurrency) json.WriteNumber("concurrency", concurrency);
        else json.WriteNull("concurrency");
        if (state.Injection.TerminationDrainDuration is { } drain) json.WriteString("terminationDrainDuration", $"{drain.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s");
        else json.WriteNull("terminationDrainDuration");
        json.WriteStartObject("proxyMetadata");
        foreach (var (name, value) in state.Injection.ProxyMetadata) json.WriteString(name, value);
        json.WriteEndObject();
        json.WriteStartObject("tracing");
        json.WriteNumber("sampling", state.Injection.TraceSampling ?? 1);
        json.WriteEndObject();
        json.WriteEndObject();
        // What injected proxies are started with, as the proxy's own flags name it.
        if (state.Injection.AccessLog is { } accessLog) json.WriteString("accessLog", accessLog);
        else json.WriteNull("accessLog");
        if (state.Injection.OtlpEndpoint is { } otlp) json.WriteString("otlpEndpoint", otlp);
        else json.WriteNull("otlpEndpoint");
        json.WriteBoolean("enablePrometheusMerge", state.Injection.EnablePrometheusMerge);
        json.WriteString("trustDomain", state.Injection.TrustDomain);
        json.WriteString("rootNamespace", MeshSettings.RootNamespace);
        json.WriteStartObject("outboundTrafficPolicy");
        json.WriteString("mode", Model.MeshSettingsNames.Name(state.Mesh.OutboundTrafficPolicy));
        json.WriteEndObject();
        // The collectors a Telemetry's tracing provider can name, as the proxies reach them.
        json.WriteStartObject("tracingProviders");
        foreach (var (name, provider) in state.Mesh.TracingProviders.ByName.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            if (provider.OtlpEndpoint is not { } endpoint) continue;
            json.WriteStartObject(name);
            json.WriteString("otlpEndpoint", endpoint);
            json.WriteString("protocol", provider.OtlpOverHttp ? "http/protobuf" : "grpc");
            if (provider.Http is { } http)
            {
                json.WriteString("timeout", $"{http.Timeout.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}s");
                // The names only: a header's value is often a collector's API key, and this page is for people debugging.
                json.WriteStartArray("headers");
                foreach (var (header, _) in http.Headers) json.WriteStringValue(header);
                json.WriteEndArray();
            }

            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteStartArray("fieldsInEffect");
        foreach (var field in state.Effective) json.WriteStringValue(field);
        json.WriteEndArray();
        json.WriteStartArray("fieldsWithoutEffect");
        foreach (var field in state.WithoutEffect)
        {
            json.WriteStartObject();
            json.WriteString("field", field.Path);
            json.WriteString("reason", field.Reason);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        if (state.Rejection is { } rejection) json.WriteString("rejected", rejection);
        else json.WriteNull("rejected");
        json.WriteEndObject();
    }
}
