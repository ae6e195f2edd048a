namespace Mesh.Cel;

/// <summary>The Envoy attributes an expression can read, by their CEL names (request.url_path, response.code, ...).</summary>
public enum CelAttribute
{
    RequestPath,
    RequestUrlPath,
    RequestHost,
    RequestScheme,
    RequestMethod,
    RequestProtocol,
    RequestId,
    RequestUserAgent,
    RequestReferer,
    ResponseCode,
    ResponseCodeDetails,
    ResponseSize,
    ConnectionMtls,
    ConnectionRequestedServerName,
    SourceAddress,
    SourcePort,
    DestinationAddress,
    DestinationPort,
    UpstreamAddress,
}

/// <summary>What an expression is evaluated against: one request's (or connection's) attributes.</summary>
public interface ICelAttributes
{
    /// <summary>The attribute's value; <see cref="CelValue.Absent"/> when the traffic has none (a TCP connection has no request).</summary>
    CelValue Get(CelAttribute attribute);

    /// <summary>Whether there is a request, so a header map to look in (a TCP connection has none).</summary>
    bool HasRequest { get; }

    /// <summary>A request header's value (several values joined with commas); null when absent or not a request.</summary>
    string? Header(string lowerCaseName);
}
