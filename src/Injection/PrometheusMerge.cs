using System.Text.Encodings.Web;
using System.Text.Json;

namespace Mesh.Injection;

/// <summary>
/// Istio's metrics merge: the pod's <c>prometheus.io/*</c> annotations are pointed at the proxy's status port
/// (<c>:15020/stats/prometheus</c> unless <c>status.sidecar.istio.io/port</c> says otherwise), which serves the
/// proxy's metrics together with the application's; where the application had its own annotations they go to the
/// proxy in ISTIO_PROMETHEUS_ANNOTATIONS so it knows where to scrape.
/// A pod with <c>prometheus.io/scrape: "false"</c>, or with merging turned off, keeps its annotations.
/// </summary>
internal static class PrometheusMerge
{
    public const string AnnotationsVariable = "ISTIO_PROMETHEUS_ANNOTATIONS";

    // Prometheus reads prometheus.io/scrape, prometheus.io.scrape and prometheus-io/scrape alike (label-name
    // sanitising), so Istio matches and clears every spelling; this does too.
    private const string Scrape = "prometheus_io_scrape";
    private const string Port = "prometheus_io_port";
    private const string Path = "prometheus_io_path";

    /// <summary>Rewrites the annotations in place; returns the ISTIO_PROMETHEUS_ANNOTATIONS value when the app had some, else null.</summary>
    public static string? Apply(IDictionary<string, string> annotations, bool enabled, int statusPort)
    {
        if (!enabled)
        {
            return null;
        }

        string? scrape = null, port = null, path = null;
        foreach (var (key, value) in annotations)
        {
            switch (Sanitize(key))
            {
                case Scrape:
                    scrape = value;
                    break;
                case Port:
                    port = value;
                    break;
                case Path:
                    path = value;
                    break;
            }
        }

        // An explicit "false" (any spelling Go's ParseBool takes) means the pod is not to be scraped at all.
        if (scrape is "0" or "f" or "F" or "false" or "FALSE" or "False")
        {
            return null;
        }

        var target = statusPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (port == target)
        {
            return null;
        }

        foreach (var key in annotations.Keys.ToList())
        {
            if (Sanitize(key) is Scrape or Port or Path)
            {
                annotations.Remove(key);
            }
        }

        annotations["prometheus.io/port"] = target;
        annotations["prometheus.io/path"] = "/stats/prometheus";
        annotations["prometheus.io/scrape"] = "true";
        if (scrape is null && port is null && path is null)
        {
            return null;
        }

        // Istio's PrometheusScrapeConfiguration: {"scrape","path","port"}, each "" when absent.
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("scrape", scrape ?? "");
            json.WriteString("path", path ?? "");
            json.WriteString("port", port ?? "");
            json.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static string Sanitize(string key) => string.Create(key.Length, key, static (span, source) =>
    {
        for (var i = 0; i < source.Length; i++)
        {
            var c = source[i];
            span[i] = c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '_' ? c : '_';
        }
    });
}
