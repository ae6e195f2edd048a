using System.Globalization;
using System.Text.Json;

namespace Mesh.Proxy.Pod;

/// <summary>
/// Where the application serves its Prometheus metrics, from $ISTIO_PROMETHEUS_ANNOTATIONS (Istio's JSON of the pod's
/// original prometheus.io/scrape, path and port annotations, which injection points at the status port instead).
/// </summary>
internal sealed record AppMetricsScrape(int Port, string Path)
{
    public const string Variable = "ISTIO_PROMETHEUS_ANNOTATIONS";

    /// <summary>
    /// Parses the variable as Istio's agent does: scrape "false" means none; path defaults to /metrics, port to 80; the
    /// status port itself is refused (a loop). Returns false with <paramref name="error"/>; true with null: no scrape.
    /// </summary>
    public static bool TryParse(string json, int? statusPort, out AppMetricsScrape? scrape, out string error)
    {
        scrape = null;
        error = string.Empty;
        string? scrapeFlag = null, path = null, port = null;
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = $"${Variable}: expected a JSON object like {{\"scrape\":\"true\",\"path\":\"/metrics\",\"port\":\"8080\"}}";
                return false;
            }

            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    error = $"${Variable}: '{property.Name}' must be a string";
                    return false;
                }

                switch (property.Name)
                {
                    case "scrape": scrapeFlag = property.Value.GetString(); break;
                    case "path": path = property.Value.GetString(); break;
                    case "port": port = property.Value.GetString(); break;
                    default:
                        error = $"${Variable}: unknown field '{property.Name}' (expected scrape, path, port)";
                        return false;
                }
            }
        }
        catch (JsonException ex)
        {
            error = $"${Variable}: not JSON: {ex.Message}";
            return false;
        }

        if (scrapeFlag == "false")
        {
            return true;
        }

        path = string.IsNullOrEmpty(path) ? "/metrics" : path;
        port = string.IsNullOrEmpty(port) ? "80" : port;
        if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var portNumber) || portNumber is < 1 or > 65535)
        {
            error = $"${Variable}: port '{port}': expected a port number (the pod's prometheus.io/port annotation)";
            return false;
        }

        if (portNumber == statusPort)
        {
            error = $"${Variable}: port {portNumber} is the status port itself, which would scrape itself in a loop: " +
                $"the pod's original prometheus.io/port must be the application's (was the pod injected twice?)";
            return false;
        }

        if (!path.StartsWith('/') || !Uri.IsWellFormedUriString(path, UriKind.Relative))
        {
            error = $"${Variable}: path '{path}': expected an absolute path such as /metrics";
            return false;
        }

        scrape = new AppMetricsScrape(portNumber, path);
        return true;
    }
}
