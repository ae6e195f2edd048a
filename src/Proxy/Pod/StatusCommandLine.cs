// The status and readiness ports on the proxy's command line, and the pod environment they serve from.
namespace Mesh.Proxy.Pod;

internal static class StatusCommandLine
{
    public const string Usage = """
        pod options (both modes):
          [--status-port 15020 (/healthz/ready, /app-health/<container>/livez|readyz|startupz, /stats/prometheus)]
          [--readiness-port 15021 (/healthz/ready)]
          environment: $ISTIO_KUBE_APP_PROBERS (the application's probes, served on the status port),
                       $ISTIO_PROMETHEUS_ANNOTATIONS (sidecar: where the application's metrics are, merged into the
                       status port's /stats/prometheus)
        """;

    public static readonly string[] Flags = ["--status-port", "--readiness-port"];

    /// <summary>Adds the status options to <paramref name="options"/>, or returns null with <paramref name="error"/>.</summary>
    /// <param name="environment">Reads an environment variable.</param>
    public static ProxyOptions? TryApply(ProxyOptions? options, IReadOnlyDictionary<string, string> values, Func<string, string?> environment, out string error)
    {
        error = string.Empty;
        if (options is null)
        {
            return null;
        }

        int? statusPort = null, readinessPort = null;
        if (values.ContainsKey("--status-port"))
        {
            if (!ProxyCommandLine.TryPort(values, "--status-port", out var port, out error))
            {
                return null;
            }

            statusPort = port;
        }

        if (values.ContainsKey("--readiness-port"))
        {
            if (!ProxyCommandLine.TryPort(values, "--readiness-port", out var port, out error))
            {
                return null;
            }

            readinessPort = port;
        }

        if (statusPort is > 0 && (statusPort == readinessPort || statusPort == options.AdminPort || statusPort == options.MetricsPort))
        {
            error = $"--status-port {statusPort}: already the {(statusPort == readinessPort ? "--readiness-port" : statusPort == options.AdminPort ? "--admin-port" : "--metrics-port")}";
            return null;
        }

        if (readinessPort is > 0 && (readinessPort == options.AdminPort || readinessPort == options.MetricsPort))
        {
            error = $"--readiness-port {readinessPort}: already the {(readinessPort == options.AdminPort ? "--admin-port" : "--metrics-port")}";
            return null;
        }

        var status = new StatusOptions { StatusPort = statusPort, ReadinessPort = readinessPort };
        if (environment(AppProbeParser.Variable) is { Length: > 0 } probers)
        {
            if (statusPort is null)
            {
                error = $"${AppProbeParser.Variable} is set, but there is no --status-port to serve the application's probes on";
                return null;
            }

            if (AppProbeParser.TryParse(probers, out error) is not { } probes)
            {
                return null;
            }

            status = status with { AppProbes = probes };
        }

        if (environment(AppMetricsScrape.Variable) is { Length: > 0 } annotations)
        {
            if (statusPort is null)
            {
                error = $"${AppMetricsScrape.Variable} is set, but there is no --status-port to serve the merged metrics on";
                return null;
            }

            if (options.Role != Mesh.Contracts.Discovery.ProxyRole.Sidecar)
            {
                // As Istio's agent: a gateway's status port is often exposed by its Service; the app's metrics stay off it.
                status = status with { Warnings = [$"${AppMetricsScrape.Variable} is set, but only a sidecar merges its application's metrics: ignored"] };
            }
            else if (!AppMetricsScrape.TryParse(annotations, statusPort, out var scrape, out error))
            {
                return null;
            }
            else
            {
                status = status with { AppMetrics = scrape };
            }
        }

        return options with { Status = status };
    }
}
