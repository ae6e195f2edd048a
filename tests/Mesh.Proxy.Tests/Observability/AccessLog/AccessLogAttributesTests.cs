using Mesh.Cel;
using Mesh.Proxy.Observability.AccessLog;
using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Tests.Observability.AccessLog;

/// <summary>What a Telemetry filter reads of an access log line: the record's fields, the request's headers, and nothing of a request on a TCP connection.</summary>
public sealed class AccessLogAttributesTests
{
    [Theory]
    [InlineData("request.path == '/orders?id=7' && request.url_path == '/orders'", true)]
    [InlineData("request.method == 'POST' && request.host == 'orders:8080' && request.id == 'r-1'", true)]
    [InlineData("response.code == 503 && response.code_details == 'upstream_reset_before_response_started{connection_failure}'", true)]
    [InlineData("request.headers['x-tenant'] == 'acme' && request.useragent.startsWith('curl')", true)]
    [InlineData("source.address == '10.0.0.1:5000' && source.port == 5000 && destination.port == 8080", true)]
    [InlineData("upstream.address == '10.0.0.2:9080' && connection.mtls", true)]
    [InlineData("response.size == 12", true)]
    public void Request_EachAttributeFromTheLine(string expression, bool expected)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/orders";
        context.Request.QueryString = new QueryString("?id=7");
        context.Request.Headers["x-tenant"] = "acme";

        Assert.Equal(expected, CelExpression.Parse(expression).Matches(new AccessLogAttributes(Record(503), context.Request, mutualTls: true)));
    }

    [Theory]
    [InlineData("response.code >= 0", false)]
    [InlineData("!(response.code >= 0)", false)]
    [InlineData("'x-tenant' in request.headers || true", true)]
    [InlineData("request.method == 'GET'", false)]
    [InlineData("source.port == 5000 && upstream.address == '10.0.0.2:9080'", true)]
    [InlineData("connection.mtls", false)]
    public void TcpConnection_RequestAndResponseAbsent_ConnectionAttributesThere(string expression, bool expected)
    {
        Assert.Equal(expected, CelExpression.Parse(expression).Matches(new AccessLogAttributes(Record(0), null, mutualTls: false)));
    }

    private static AccessLogRecord Record(int responseCode) => new()
    {
        StartTime = DateTimeOffset.UnixEpoch,
        Method = "POST",
        Path = "/orders?id=7",
        Protocol = "HTTP/1.1",
        ResponseCode = responseCode,
        ResponseCodeDetails = "upstream_reset_before_response_started{connection_failure}",
        BytesSent = 12,
        UserAgent = "curl/8.5",
        RequestId = "r-1",
        Authority = "orders:8080",
        UpstreamHost = "10.0.0.2:9080",
        DownstreamRemoteAddress = "10.0.0.1:5000",
        DownstreamLocalAddress = "10.0.0.3:8080",
    };
}
