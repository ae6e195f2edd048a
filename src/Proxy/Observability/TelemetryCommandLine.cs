// Reads the proxy's telemetry options from its command line and environment.
using System.Globalization;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Observability.AccessLog;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Parses <c>--metrics-port</c>, <c>--access-log</c>, <c>--trace-sampling</c>, and the OTLP export from
/// <c>--otlp-endpoint</c>, <c>--otlp-protocol</c> and the <c>OTEL_*</c> variables (<see cref="OtlpCommandLine"/>), each with a clear error.
/// </summary>
internal static class TelemetryCommandLine
{
    public const int DefaultMetricsPort = 15090;

    /// <param name="environment">Reads an environment variable (the process's; tests pass their own).</param>
    public static ProxyOptions? TryApply(ProxyOptions options, Dictionary<string, string> values, Func<string, string?> environment, out string error)
    {
        var metricsPort = DefaultMetricsPort;
        if (values.ContainsKey("--metrics-port") && !ProxyCommandLine.TryPort(values, "--metrics-port", out metricsPort, out error))
        {
            return null;
        }

        var accessLog = AccessLogMode.Off;
        if (values.TryGetValue("--access-log", out var log))
        {
            switch (log)
            {
                case "off": accessLog = AccessLogMode.Off; break;
                case "text": accessLog = AccessLogMode.Text; break;
                case "json": accessLog = AccessLogMode.Json; break;
                default:
                    error = $"--access-log '{log}': expected off, text or json";
                    return null;
            }
        }

        var sampling = options.TraceSamplingPercent;
        if (values.TryGetValue("--trace-sampling", out var samplingText)
            && !(double.TryParse(samplingText, NumberStyles.Float, CultureInfo.InvariantCulture, out sampling) && sampling is >= 0 and <= 100))
        {
            error = $"--trace-sampling '{samplingText}': expected a percentage from 0 to 100";
            return null;
        }

        if (!OtlpCommandLine.TryResolve(options, values, environment, out var otlp, out error))
        {
            return null;
        }

        return options with { MetricsPort = metricsPort, AccessLog = accessLog, TraceSamplingPercent = sampling, Otlp = otlp };
    }
}
