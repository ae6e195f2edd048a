using System.Text.Json;
using System.Text.RegularExpressions;

namespace Mesh.Proxy.Pod;

/// <summary>
/// Reads $ISTIO_KUBE_APP_PROBERS, Istio's JSON of the application's rewritten probes: a map from the status port's path
/// to the original probe, {"/app-health/web/livez":{"httpGet":{"path":"/healthz","port":8080},"timeoutSeconds":1}}.
/// Strict where Istio's agent is (the path's shape, one handler, numeric ports) and about fields it would not act on.
/// </summary>
internal static partial class AppProbeParser
{
    public const string Variable = "ISTIO_KUBE_APP_PROBERS";

    /// <summary>Kubernetes' default timeoutSeconds.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(1);

    [GeneratedRegex("^/(app-health|app-lifecycle)/[^/]+/(livez|readyz|startupz|prestopz|poststartz)$", RegexOptions.CultureInvariant)]
    private static partial Regex ProbePath();

    /// <summary>Returns the probes by path, or null with <paramref name="error"/> naming the path and field.</summary>
    public static Dictionary<string, AppProbe>? TryParse(string json, out string error)
    {
        error = string.Empty;
        var probes = new Dictionary<string, AppProbe>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                error = $"${Variable}: expected a JSON object from probe path to probe";
                return null;
            }

            foreach (var entry in document.RootElement.EnumerateObject())
            {
                if (!ProbePath().IsMatch(entry.Name))
                {
                    error = $"${Variable}: '{entry.Name}': expected /app-health/<container>/livez|readyz|startupz or /app-lifecycle/<container>/poststartz|prestopz";
                    return null;
                }

                AppProbe? probe;
                string reason;
                try
                {
                    probe = TryParseProbe(entry.Name, entry.Value, out reason);
                }
                catch (InvalidDataException notAString)
                {
                    (probe, reason) = (null, notAString.Message);
                }

                if (probe is null)
                {
                    error = $"${Variable}: '{entry.Name}': {reason}";
                    return null;
                }

                probes[entry.Name] = probe;
            }
        }
        catch (JsonException ex)
        {
            error = $"${Variable}: not JSON: {ex.Message}";
            return null;
        }

        return probes;
    }

    private static AppProbe? TryParseProbe(string path, JsonElement value, out string error)
    {
        error = string.Empty;
        if (value.ValueKind != JsonValueKind.Object)
        {
            error = "expected a probe object";
            return null;
        }

        JsonElement? handler = null;
        var kind = AppProbeKind.HttpGet;
        var timeout = DefaultTimeout;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "httpGet" or "tcpSocket" or "grpc":
                    if (handler is not null)
                    {
                        error = "more than one of httpGet, tcpSocket, grpc";
                        return null;
                    }

                    handler = field.Value;
                    kind = field.Name switch { "httpGet" => AppProbeKind.HttpGet, "tcpSocket" => AppProbeKind.TcpSocket, _ => AppProbeKind.Grpc };
                    break;
                case "timeoutSeconds":
                    if (field.Value.ValueKind != JsonValueKind.Number || !field.Value.TryGetInt32(out var seconds) || seconds < 0)
                    {
                        error = "timeoutSeconds: expected a whole number of seconds";
                        return null;
                    }

                    timeout = seconds == 0 ? DefaultTimeout : TimeSpan.FromSeconds(seconds);
                    break;
                default:
                    error = $"unknown field '{field.Name}' (expected httpGet, tcpSocket or grpc, and timeoutSeconds)";
                    return null;
            }
        }

        if (handler is not { ValueKind: JsonValueKind.Object } action)
        {
            error = "expected one of httpGet, tcpSocket, grpc, as an object";
            return null;
        }

        return TryParseAction(path, kind, action, timeout, out error);
    }

    private static AppProbe? TryParseAction(string path, AppProbeKind kind, JsonElement action, TimeSpan timeout, out string error)
    {
        error = string.Empty;
        var name = kind switch { AppProbeKind.HttpGet => "httpGet", AppProbeKind.TcpSocket => "tcpSocket", _ => "grpc" };
        int? port = null;
        string? host = null, httpPath = null, service = null;
        var https = false;
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var field in action.EnumerateObject())
        {
            switch (kind, field.Name)
            {
                case (_, "port"):
                    // A named port was resolved by injection; Istio's agent takes numbers only.
                    if (field.Value.ValueKind != JsonValueKind.Number || !field.Value.TryGetInt32(out var number) || number is < 1 or > 65535)
                    {
                        error = $"{name}.port: expected a port number (1-65535), not {field.Value.GetRawText()}";
                        return null;
                    }

                    port = number;
                    break;
                case (AppProbeKind.HttpGet or AppProbeKind.TcpSocket, "host"):
                    host = String(field.Value, "host");
                    break;
                case (AppProbeKind.HttpGet, "path"):
                    httpPath = String(field.Value, "httpGet.path");
                    break;
                case (AppProbeKind.HttpGet, "scheme"):
                    var scheme = String(field.Value, "httpGet.scheme");
                    if (scheme is not ("HTTP" or "HTTPS" or null))
                    {
                        error = $"httpGet.scheme '{scheme}': expected HTTP or HTTPS";
                        return null;
                    }

                    https = scheme == "HTTPS";
                    break;
                case (AppProbeKind.HttpGet, "httpHeaders"):
                    if (!TryParseHeaders(field.Value, headers, out error))
                    {
                        return null;
                    }

                    break;
                case (AppProbeKind.Grpc, "service"):
                    service = String(field.Value, "grpc.service");
                    break;
                default:
                    error = $"{name}: unknown field '{field.Name}'";
                    return null;
            }
        }

        if (port is null)
        {
            error = $"{name}.port: required";
            return null;
        }

        httpPath = string.IsNullOrEmpty(httpPath) ? "/" : httpPath.StartsWith('/') ? httpPath : "/" + httpPath;
        return new AppProbe(path, kind, string.IsNullOrEmpty(host) ? null : host, port.Value, httpPath, https, headers, service ?? "", timeout);
    }

    private static bool TryParseHeaders(JsonElement value, List<KeyValuePair<string, string>> headers, out string error)
    {
        error = string.Empty;
        if (value.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            error = "httpGet.httpHeaders: expected a list of {name, value}";
            return false;
        }

        foreach (var header in value.EnumerateArray())
        {
            string? name = null, text = null;
            if (header.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in header.EnumerateObject())
                {
                    switch (field.Name)
                    {
                        case "name": name = String(field.Value, "httpGet.httpHeaders[].name"); break;
                        case "value": text = String(field.Value, "httpGet.httpHeaders[].value"); break;
                        default:
                            error = $"httpGet.httpHeaders: unknown field '{field.Name}'";
                            return false;
                    }
                }
            }

            if (string.IsNullOrEmpty(name))
            {
                error = "httpGet.httpHeaders: every header needs a name";
                return false;
            }

            headers.Add(new KeyValuePair<string, string>(name, text ?? ""));
        }

        return true;
    }

    /// <summary>A string field's value (null for JSON null); anything else is refused, never ignored.</summary>
    private static string? String(JsonElement value, string field) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Null => null,
        _ => throw new InvalidDataException($"{field}: expected a string, not {value.GetRawText()}"),
    };
}
