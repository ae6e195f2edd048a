using Mesh.Proxy.Observability.AccessLog;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability;

namespace Mesh.Proxy.Tests.Observability.AccessLog;

public sealed class AccessLogFormatterTests
{
    private static readonly AccessLogRecord Forwarded = new()
    {
        StartTime = new DateTimeOffset(2024, 6, 2, 15, 24, 57, 930, TimeSpan.FromHours(2)),
        Method = "GET",
        Path = "/api/items?x=1",
        Protocol = "HTTP/1.1",
        ResponseCode = 200,
        ResponseFlags = "-",
        ResponseCodeDetails = "via_upstream",
        BytesReceived = 0,
        BytesSent = 1234,
        DurationMilliseconds = 17,
        UpstreamServiceTimeMilliseconds = 15,
        UserAgent = "curl/8.0",
        RequestId = "9f69865b-eed1-409b-8c12-12436234a191",
        Authority = "backend.demo:8080",
        UpstreamHost = "127.0.0.1:9102",
        UpstreamCluster = "outbound|8080|v2|backend.demo.svc.cluster.local",
        UpstreamLocalAddress = "127.0.0.1:53100",
        DownstreamLocalAddress = "127.0.0.1:15001",
        DownstreamRemoteAddress = "127.0.0.1:53000",
        RouteName = "canary",
    };

    [Fact]
    public void FormatText_ForwardedRequest_WritesIstioDefaultLine()
    {
        Assert.Equal(
            "[2024-06-02T13:24:57.930Z] \"GET /api/items?x=1 HTTP/1.1\" 200 - via_upstream - \"-\" 0 1234 17 15 \"-\" \"curl/8.0\" " +
            "\"9f69865b-eed1-409b-8c12-12436234a191\" \"backend.demo:8080\" \"127.0.0.1:9102\" outbound|8080|v2|backend.demo.svc.cluster.local " +
            "127.0.0.1:53100 127.0.0.1:15001 127.0.0.1:53000 - canary\n",
            AccessLogFormatter.FormatText(Forwarded));
    }

    [Fact]
    public void FormatText_NoRoute_WritesDashesForEverythingUnknown()
    {
        var record = new AccessLogRecord
        {
            StartTime = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero),
            Method = "POST",
            Path = "/nowhere",
            Protocol = "HTTP/2",
            ResponseCode = 404,
            ResponseFlags = "NR",
            ResponseCodeDetails = "route_not_found",
        };

        Assert.Equal(
            "[2024-01-01T00:00:00.000Z] \"POST /nowhere HTTP/2\" 404 NR route_not_found - \"-\" 0 0 0 - \"-\" \"-\" \"-\" \"-\" \"-\" - - - - - -\n",
            AccessLogFormatter.FormatText(record));
    }

    [Fact]
    public void FormatJson_ForwardedRequest_WritesSortedKeysNumbersAndNulls()
    {
        Assert.Equal(
            "{\"authority\":\"backend.demo:8080\",\"bytes_received\":0,\"bytes_sent\":1234,\"connection_termination_details\":null," +
            "\"downstream_local_address\":\"127.0.0.1:15001\",\"downstream_remote_address\":\"127.0.0.1:53000\",\"duration\":17," +
            "\"method\":\"GET\",\"path\":\"/api/items?x=1\",\"protocol\":\"HTTP/1.1\",\"request_id\":\"9f69865b-eed1-409b-8c12-12436234a191\"," +
            "\"requested_server_name\":null,\"response_code\":200,\"response_code_details\":\"via_upstream\",\"response_flags\":\"-\"," +
            "\"route_name\":\"canary\",\"start_time\":\"2024-06-02T13:24:57.930Z\"," +
            "\"upstream_cluster\":\"outbound|8080|v2|backend.demo.svc.cluster.local\",\"upstream_host\":\"127.0.0.1:9102\"," +
            "\"upstream_local_address\":\"127.0.0.1:53100\",\"upstream_service_time\":\"15\",\"upstream_transport_failure_reason\":null," +
            "\"user_agent\":\"curl/8.0\",\"x_forwarded_for\":null}\n",
            AccessLogFormatter.FormatJson(Forwarded));
    }

    [Fact]
    public void FormatJson_QuotesAndControlCharacters_AreEscaped()
    {
        var record = new AccessLogRecord
        {
            StartTime = DateTimeOffset.UnixEpoch, Method = "GET", Path = "/a\"b\n", Protocol = "HTTP/1.1", ResponseCode = 0, UserAgent = "x\\y",
        };

        var line = AccessLogFormatter.Format(record, AccessLogEncoding.Json);

        Assert.Contains("\"path\":\"/a\\\"b\\n\"", line);
        Assert.Contains("\"user_agent\":\"x\\\\y\"", line);
        Assert.Contains("\"response_code\":0", line);
        Assert.Single(line.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Format_TextEncoding_MatchesFormatText()
    {
        Assert.Equal(AccessLogFormatter.FormatText(Forwarded), AccessLogFormatter.Format(Forwarded, AccessLogEncoding.Text));
    }
}
