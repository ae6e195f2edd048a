using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Mesh.Proxy.Observability.AccessLog;

/// <summary>
/// Writes access log lines as Istio's proxies do: Istio's default TEXT format (Envoy's default plus response code
/// details, termination details, upstream failure reason, addresses, SNI and route), or Istio's default JSON fields
/// with keys in alphabetical order, as Envoy prints them. Each line ends with a newline.
/// </summary>
internal static class AccessLogFormatter
{
    private const string Missing = "-";

    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Format(AccessLogRecord record, AccessLogEncoding encoding) =>
        encoding == AccessLogEncoding.Json ? FormatJson(record) : FormatText(record);

    /// <summary>
    /// <c>[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS%
    /// %RESPONSE_CODE_DETAILS% %CONNECTION_TERMINATION_DETAILS% "%UPSTREAM_TRANSPORT_FAILURE_REASON%" %BYTES_RECEIVED%
    /// %BYTES_SENT% %DURATION% %RESP(X-ENVOY-UPSTREAM-SERVICE-TIME)% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%"
    /// "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%" %UPSTREAM_CLUSTER% %UPSTREAM_LOCAL_ADDRESS%
    /// %DOWNSTREAM_LOCAL_ADDRESS% %DOWNSTREAM_REMOTE_ADDRESS% %REQUESTED_SERVER_NAME% %ROUTE_NAME%</c>
    /// </summary>
    public static string FormatText(AccessLogRecord record)
    {
        var line = new StringBuilder(256);
        line.Append('[').Append(StartTime(record)).Append("] \"")
            .Append(Text(record.Method)).Append(' ').Append(Text(record.Path)).Append(' ').Append(Text(record.Protocol)).Append("\" ")
            .Append(record.ResponseCode.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(Text(record.ResponseFlags)).Append(' ')
            .Append(Text(record.ResponseCodeDetails)).Append(' ')
            .Append(Text(record.ConnectionTerminationDetails)).Append(" \"")
            .Append(Text(record.UpstreamTransportFailureReason)).Append("\" ")
            .Append(record.BytesReceived.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(record.BytesSent.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(record.DurationMilliseconds.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(UpstreamServiceTime(record) ?? Missing).Append(" \"")
            .Append(Text(record.ForwardedFor)).Append("\" \"")
            .Append(Text(record.UserAgent)).Append("\" \"")
            .Append(Text(record.RequestId)).Append("\" \"")
            .Append(Text(record.Authority)).Append("\" \"")
            .Append(Text(record.UpstreamHost)).Append("\" ")
            .Append(Text(record.UpstreamCluster)).Append(' ')
            .Append(Text(record.UpstreamLocalAddress)).Append(' ')
            .Append(Text(record.DownstreamLocalAddress)).Append(' ')
            .Append(Text(record.DownstreamRemoteAddress)).Append(' ')
            .Append(Text(record.RequestedServerName)).Append(' ')
            .Append(Text(record.RouteName)).Append('\n');
        return line.ToString();
    }

    /// <summary>Istio's default JSON fields; a missing value is <c>null</c>; codes, sizes and duration are numbers.</summary>
    public static string FormatJson(AccessLogRecord record)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            String(json, "authority", record.Authority);
            json.WriteNumber("bytes_received", record.BytesReceived);
            json.WriteNumber("bytes_sent", record.BytesSent);
            String(json, "connection_termination_details", record.ConnectionTerminationDetails);
            String(json, "downstream_local_address", record.DownstreamLocalAddress);
            String(json, "downstream_remote_address", record.DownstreamRemoteAddress);
            json.WriteNumber("duration", record.DurationMilliseconds);
            String(json, "method", record.Method);
            String(json, "path", record.Path);
            String(json, "protocol", record.Protocol);
            String(json, "request_id", record.RequestId);
            String(json, "requested_server_name", record.RequestedServerName);
            json.WriteNumber("response_code", record.ResponseCode);
            String(json, "response_code_details", record.ResponseCodeDetails);
            String(json, "response_flags", record.ResponseFlags ?? Missing);
            String(json, "route_name", record.RouteName);
            String(json, "start_time", StartTime(record));
            String(json, "upstream_cluster", record.UpstreamCluster);
            String(json, "upstream_host", record.UpstreamHost);
            String(json, "upstream_local_address", record.UpstreamLocalAddress);
            String(json, "upstream_service_time", UpstreamServiceTime(record));
            String(json, "upstream_transport_failure_reason", record.UpstreamTransportFailureReason);
            String(json, "user_agent", record.UserAgent);
            String(json, "x_forwarded_for", record.ForwardedFor);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    /// <summary>Envoy's default START_TIME: UTC with milliseconds, e.g. <c>2024-06-02T13:24:57.930Z</c>.</summary>
    private static string StartTime(AccessLogRecord record) =>
        record.StartTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string? UpstreamServiceTime(AccessLogRecord record) =>
        record.UpstreamServiceTimeMilliseconds?.ToString(CultureInfo.InvariantCulture);

    private static string Text(string? value) => string.IsNullOrEmpty(value) ? Missing : value;

    private static void String(Utf8JsonWriter json, string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            json.WriteNull(name);
        }
        else
        {
            json.WriteString(name, value);
        }
    }
}
