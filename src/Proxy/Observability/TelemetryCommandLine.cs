// Reads the proxy's telemetry options from its command line and environment.
using System.Globalization;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Observability.AccessLog;

namespace Mesh.Proxy.Observability;

/// <summary>
/// Parses <c>--metrics-port</c>, <c>--access-log</c>, <c>--trace-sampling</c>, <c>--otlp-endpoint</c> and
/// <c>--otlp-protocol</c> (with <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> as the endpoint's fallback), each with a clear error.
/// </summary>
internal static class TelemetryCommandLine
{
    public const int DefaultMetricsPort = 15090;

    public static ProxyOptions? TryApply(ProxyOptions options, Dictionary<string, string> values, string? otlpEnvironment, out string error)
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

        var protocol = OtlpProtocol.Grpc;
        if (values.TryGetValue("--otlp-protocol", out var protocolText))
        {
            switch (protocolText)
            {
                case "grpc": protocol = OtlpProtocol.Grpc; break;
                case "http/protobuf": protocol = OtlpProtocol.HttpProtobuf; break;
                default:
                    error = $"--otlp-protocol '{protocolText}': expected grpc or http/protobuf";
                    return null;
            }
        }

        OtlpEndpoint? otlp = null;
        var endpointText = values.GetValueOrDefault("--otlp-endpoint") ?? (string.IsNullOrWhiteSpace(otlpEnvironment) ? null : otlpEnvironment);
        if (endpointText is not null)
        {
            if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var address) || address.Scheme != Uri.UriSchemeHttp)
            {
                error = $"--otlp-endpoint '{endpointText}': expected http://HOST:PORT";
                return null;
            }

            otlp = new OtlpEndpoint(address, protocol);
        }

        error = string.Empty;
        return options with { MetricsPort = metricsPort, AccessLog = accessLog, TraceSamplingPercent = sampling, Otlp = otlp };
    }
}
