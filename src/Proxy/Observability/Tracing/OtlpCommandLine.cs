// Resolves where the proxy exports spans from its flags and the OpenTelemetry environment variables.
using OpenTelemetry.Exporter;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The OTLP export of a proxy, flags first, then the standard variables: the endpoint from <c>--otlp-endpoint</c>,
/// else <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c> (used as is), else <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (a base URL, like
/// the flag: http/protobuf appends <c>/v1/traces</c>), none of them meaning no export; the protocol from
/// <c>--otlp-protocol</c>, else <c>OTEL_EXPORTER_OTLP_TRACES_PROTOCOL</c>, else <c>OTEL_EXPORTER_OTLP_PROTOCOL</c>, else
/// grpc; <c>service.name</c> from <c>OTEL_SERVICE_NAME</c>, else Istio's <c>&lt;app&gt;.&lt;namespace&gt;</c>.
/// </summary>
internal static class OtlpCommandLine
{
    private const string EndpointFlag = "--otlp-endpoint";
    private const string ProtocolFlag = "--otlp-protocol";
    private const string TracesPath = "/v1/traces";

    /// <summary>False with <paramref name="error"/> naming the flag or variable that is wrong; <paramref name="export"/> null when nothing asks for export.</summary>
    public static bool TryResolve(
        ProxyOptions options, Dictionary<string, string> values, Func<string, string?> environment, out OtlpExport? export, out string error)
    {
        export = null;
        var (protocolSource, protocolText) = First(values, ProtocolFlag, environment, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL");
        var protocol = OtlpExportProtocol.Grpc;
        switch (protocolText)
        {
            case null or "grpc": break;
            case "http/protobuf": protocol = OtlpExportProtocol.HttpProtobuf; break;
            default:
                error = $"{protocolSource} '{protocolText}': expected grpc or http/protobuf";
                return false;
        }

        var (endpointSource, endpointText) = First(values, EndpointFlag, environment, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT");
        error = string.Empty;
        if (endpointText is null)
        {
            return true;
        }

        if (!Uri.TryCreate(endpointText, UriKind.Absolute, out var address) || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            error = $"{endpointSource} '{endpointText}': expected http://HOST:PORT (or https://)";
            return false;
        }

        // The signal-specific variable is the whole URL; the flag and the generic variable name the collector.
        var isBase = endpointSource != "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT";
        var endpoint = protocol == OtlpExportProtocol.HttpProtobuf && isBase ? WithTracesPath(address) : address;
        export = new OtlpExport(endpoint, protocol, ServiceName(options, environment));
        return true;
    }

    /// <summary>The spans' <c>service.name</c>: <c>OTEL_SERVICE_NAME</c>, else Istio's <c>&lt;app&gt;.&lt;namespace&gt;</c>.</summary>
    public static string ServiceName(ProxyOptions options, Func<string, string?> environment)
    {
        var app = options.Labels.TryGetValue("app", out var label) && label.Length > 0 ? label : options.Workload;
        return NonEmpty(environment("OTEL_SERVICE_NAME")) ?? $"{app}.{options.Namespace}";
    }

    private static (string Source, string? Value) First(
        Dictionary<string, string> values, string flag, Func<string, string?> environment, string specificVariable, string genericVariable)
    {
        if (values.TryGetValue(flag, out var fromFlag))
        {
            return (flag, fromFlag);
        }

        return NonEmpty(environment(specificVariable)) is { } specific ? (specificVariable, specific)
            : NonEmpty(environment(genericVariable)) is { } generic ? (genericVariable, generic)
            : (flag, null);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static Uri WithTracesPath(Uri address)
    {
        var path = address.AbsolutePath.TrimEnd('/');
        return path.EndsWith(TracesPath, StringComparison.Ordinal) ? address : new UriBuilder(address) { Path = path + TracesPath }.Uri;
    }
}
