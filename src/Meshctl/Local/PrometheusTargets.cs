// Writes the local mesh's proxies as a Prometheus file service discovery list.
using System.Text.Json;

namespace Mesh.Meshctl.Local;

/// <summary>
/// Writes <c>targets.json</c> for Prometheus' <c>file_sd_configs</c> (one target group per proxy, with the metrics
/// path set) and a <c>prometheus.yml</c> beside it that scrapes them and the control plane, so a plain
/// <c>prometheus</c> binary scrapes the whole local mesh.
/// </summary>
internal static class PrometheusTargets
{
    public static void Write(string path, IReadOnlyList<(string Name, Uri Metrics)> proxies, Uri controlPlaneMetrics)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var (name, metrics) in proxies)
            {
                json.WriteStartObject();
                json.WriteStartArray("targets");
                json.WriteStringValue($"{metrics.Host}:{metrics.Port}");
                json.WriteEndArray();
                json.WriteStartObject("labels");
                json.WriteString("__metrics_path__", metrics.AbsolutePath);
                json.WriteString("mesh_proxy", name.Replace(' ', '-'));
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        // Prometheus re-reads the file when it changes: write aside and rename, so it never sees half a file.
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, stream.ToArray());
        File.Move(temp, path, overwrite: true);
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(path)!, ConfigFileName), $"""
            # Scrapes every proxy of the local mesh (written by meshctl demo). Run:
            #   prometheus --config.file={Path.Combine(Path.GetDirectoryName(path)!, ConfigFileName)} --storage.tsdb.path=<a data folder>
            global:
              scrape_interval: 5s
              evaluation_interval: 5s
            scrape_configs:
            # Istio's job name for the proxies' /stats/prometheus; Kiali and Istio's dashboards query by metric, not job.
            - job_name: envoy-stats
              file_sd_configs:
              - files: ['{Path.GetFileName(path)}']
                refresh_interval: 5s
            # The control plane's pilot_* and citadel_* families, labelled as istiod's pods are for the dashboards.
            - job_name: pilot
              metrics_path: {controlPlaneMetrics.AbsolutePath}
              static_configs:
              - targets: ['{controlPlaneMetrics.Host}:{controlPlaneMetrics.Port}']
                labels:
                  app: istiod

            """);
    }

    public const string ConfigFileName = "prometheus.yml";
}
