using System.Globalization;
using Mesh.Cel;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Observability.AccessLog;

/// <summary>
/// Envoy's attributes of one access log line, for a Telemetry filter: read from the line's record, and from the request
/// for what the line does not carry. A TCP connection has no request: its request and response attributes are absent,
/// so a filter on them is false, as Envoy's is. Made only when the listener has a filter.
/// </summary>
internal sealed class AccessLogAttributes(AccessLogRecord record, HttpRequest? request, bool mutualTls) : ICelAttributes
{
    public CelValue Get(CelAttribute attribute) => attribute switch
    {
        CelAttribute.RequestPath => Http(record.Path),
        CelAttribute.RequestUrlPath => Http(request?.Path.Value ?? ""),
        CelAttribute.RequestHost => Http(record.Authority),
        CelAttribute.RequestScheme => Http(request?.Scheme),
        CelAttribute.RequestMethod => Http(record.Method),
        CelAttribute.RequestProtocol => Http(record.Protocol),
        CelAttribute.RequestId => Http(record.RequestId),
        CelAttribute.RequestUserAgent => Http(record.UserAgent),
        CelAttribute.RequestReferer => CelValue.Of(Header("referer")),
        CelAttribute.ResponseCode => request is null ? CelValue.Absent : CelValue.Of(record.ResponseCode),
        CelAttribute.ResponseCodeDetails => Http(record.ResponseCodeDetails),
        CelAttribute.ResponseSize => request is null ? CelValue.Absent : CelValue.Of(record.BytesSent),
        CelAttribute.ConnectionMtls => CelValue.Of(mutualTls),
        CelAttribute.ConnectionRequestedServerName => CelValue.Of(record.RequestedServerName),
        CelAttribute.SourceAddress => CelValue.Of(record.DownstreamRemoteAddress),
        CelAttribute.SourcePort => Port(record.DownstreamRemoteAddress),
        CelAttribute.DestinationAddress => CelValue.Of(record.DownstreamLocalAddress),
        CelAttribute.DestinationPort => Port(record.DownstreamLocalAddress),
        CelAttribute.UpstreamAddress => CelValue.Of(record.UpstreamHost),
        _ => CelValue.Absent,
    };

    public bool HasRequest => request is not null;

    public string? Header(string lowerCaseName)
    {
        if (request is null) return null;
        var values = request.Headers[lowerCaseName];
        return values.Count == 0 ? null : values.ToString();
    }

    private CelValue Http(string? value) => request is null ? CelValue.Absent : CelValue.Of(value);

    /// <summary>The port of an "address:port" ("[v6]:port" too).</summary>
    private static CelValue Port(string? endPoint) =>
        endPoint is not null && endPoint.LastIndexOf(':') is var colon and >= 0
            && int.TryParse(endPoint.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port)
            ? CelValue.Of(port)
            : CelValue.Absent;
}
