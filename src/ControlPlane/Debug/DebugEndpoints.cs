using System.Text.Json;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Sources;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mesh.ControlPlane.Debug;

/// <summary>The HTTP endpoints people and <c>meshctl</c> read: <c>/ready</c>, <c>/debug/syncz</c>, <c>/debug/configz</c>, and an index at <c>/</c>.</summary>
internal static class DebugEndpoints
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true };

    /// <param name="clusterId">istiod's CLUSTER_ID, reported per proxy on <c>/debug/syncz</c> (Kiali keys proxy status by it).</param>
    public static void Map(IEndpointRouteBuilder endpoints, MeshSnapshotStore snapshots, ReadinessCheck ready, ConnectionRegistry registry, IConfigSource source,
        string clusterId = "Kubernetes")
    {
        endpoints.MapGet("/", () => Results.Text(
            "Mesh control plane\n" +
            "  /ready          200 once the first config snapshot is built\n" +
            "  /version        the build, as istiod answers it (Kiali reads the Istio version from it)\n" +
            "  /debug/syncz    per proxy (istiod's JSON): sent and ACKed nonces and versions, SYNCED / STALE / NACKED\n" +
            "  /debug/configz  the resources loaded with the analyzer's messages, and the errors of rejected files\n" +
            "  /debug/certz    the CA and the workload certificates it issued\n" +
            "  /debug/informerz  per Kubernetes informer: synced, objects, resourceVersion, relists, watch restarts, last error\n" +
            "  /metrics        the control plane's metrics (istiod's pilot_* and citadel_* families)\n"));
        endpoints.MapGet("/ready", () =>
        {
            var readiness = ready.Check();
            return Results.Text(readiness.Description + "\n",
                statusCode: readiness.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        endpoints.MapGet("/version", () => Results.Text(BuildVersion.Text));
        endpoints.MapGet("/debug/syncz", (HttpContext context) => WriteJsonAsync(context, json => SyncStatusWriter.Write(json, registry, clusterId)));
        endpoints.MapGet("/debug/configz", (HttpContext context) => WriteJsonAsync(context, json => ConfigStateWriter.Write(json, source.Current)));
    }

    private static async Task WriteJsonAsync(HttpContext context, Action<Utf8JsonWriter> write)
    {
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        await using (var json = new Utf8JsonWriter(buffer, Indented)) write(json);
        buffer.Position = 0;
        await buffer.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
