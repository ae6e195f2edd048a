using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Mesh.Proxy.Model;
using Prometheus;

namespace Mesh.Proxy.Admin;

/// <summary>The admin server's endpoints: readiness, the config dump, Prometheus metrics, and an index of them.</summary>
internal static class AdminEndpoints
{
    private static readonly (string Path, string Description)[] Index =
    [
        ("/ready", "200 once listeners, routes, clusters and endpoints have all been applied and every listener accepts connections, else 503 (and from SIGTERM on, while draining)"),
        ("/config_dump", "the snapshot being served, as JSON, with per-type versions and nonces"),
        ("/clusters", "per cluster its circuit-breaker thresholds, per endpoint its health flags (outlier ejections) and request counters; ?format=json"),
        ("/stats/prometheus", "Istio's standard metrics and the per-route family, Prometheus text format 0.0.4"),
    ];

    public static void Map(IEndpointRouteBuilder endpoints, ProxySnapshotStore store, ProxyReadiness readiness, CollectorRegistry registry)
    {
        endpoints.MapGet("/", () => Results.Text(string.Join('\n', Array.ConvertAll(Index, entry => $"{entry.Path}\t{entry.Description}")) + "\n"));

        endpoints.MapGet("/ready", () => readiness.DescribeNotReady() is { } reason
            ? Results.Text($"NOT READY: {reason}\n", statusCode: StatusCodes.Status503ServiceUnavailable)
            : Results.Text("LIVE\n"));

        endpoints.MapGet("/config_dump", async (HttpContext context) =>
        {
            context.Response.ContentType = "application/json";
            await using var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Indented = true });
            ConfigDumpWriter.Write(writer, store.Current);
        });

        endpoints.MapGet("/clusters", async (HttpContext context) =>
        {
            if (context.Request.Query["format"] == "json")
            {
                context.Response.ContentType = "application/json";
                await using var writer = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Indented = true });
                ClustersWriter.Json(writer, store.Current);
                return;
            }

            context.Response.ContentType = "text/plain";
            await context.Response.WriteAsync(ClustersWriter.Text(store.Current));
        });

        // prometheus-net's exporter. Text format 0.0.4 only, as Envoy serves it: OpenMetrics negotiation is off, so what
        // Prometheus scrapes is what promtool checks.
        endpoints.MapMetrics(
            settings =>
            {
                settings.Registry = registry;
                settings.EnableOpenMetrics = false;
            },
            "/stats/prometheus");
    }
}
