using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Mesh.EndToEnd.Tests;

/// <summary>Access log lines on the proxies' stdout (here, their log files), in the JSON variant the mesh runs with.</summary>
[Collection(ObservabilityCollection.Name)]
public sealed class AccessLogTests(ObservabilityFixture fixture)
{
    [Fact]
    public async Task AccessLog_RequestThroughTheMesh_JsonLinesWithEnvoysFieldsAtEachProxy()
    {
        var requestId = "log-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/?q=1");
        request.Headers.Add("x-request-id", requestId);
        request.Headers.Add("end-user", "jason");
        using var response = await fixture.Client.SendAsync(request);
        Assert.Equal(200, (int)response.StatusCode);

        JsonElement gateway = default, backendInbound = default;
        await MeshRun.WaitUntilAsync(
            () => Task.FromResult(
                TryFindLine("istio-ingressgateway", requestId, out gateway) && TryFindLine("backend-v2-sidecar", requestId, out backendInbound)),
            TimeSpan.FromSeconds(20), "the gateway's and backend v2 sidecar's access log lines");

        Assert.Equal("GET", gateway.GetProperty("method").GetString());
        Assert.Equal("/?q=1", gateway.GetProperty("path").GetString());
        Assert.Equal(200, gateway.GetProperty("response_code").GetInt32());
        Assert.Equal("-", gateway.GetProperty("response_flags").GetString());
        Assert.Equal("via_upstream", gateway.GetProperty("response_code_details").GetString());
        Assert.Equal("outbound|80||frontend.default.svc.cluster.local", gateway.GetProperty("upstream_cluster").GetString());
        Assert.StartsWith("127.0.0.1:", gateway.GetProperty("upstream_host").GetString());
        Assert.Matches(@"^inbound\|\d+\|\|$", backendInbound.GetProperty("upstream_cluster").GetString());
        Assert.Equal(requestId, backendInbound.GetProperty("request_id").GetString());
        Assert.True(DateTimeOffset.TryParse(gateway.GetProperty("start_time").GetString(), out _));
    }

    [Fact]
    public async Task AccessLog_MalformedChunkedBodyAtTheGateway_400WithDpeNotAnUpstreamFailure()
    {
        var requestId = "dpe-" + Guid.NewGuid().ToString("N");

        var head = await RawExchangeAsync(fixture.Mesh.GatewayUrl.Port,
            $"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nx-request-id: {requestId}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n");

        Assert.StartsWith("HTTP/1.1 400 ", head);
        JsonElement gateway = default;
        await MeshRun.WaitUntilAsync(
            () => Task.FromResult(TryFindLine("istio-ingressgateway", requestId, out gateway)), TimeSpan.FromSeconds(20), "the gateway's access log line");
        Assert.Equal(400, gateway.GetProperty("response_code").GetInt32());
        Assert.Equal("DPE", gateway.GetProperty("response_flags").GetString());
        Assert.Equal("http1.codec_error", gateway.GetProperty("response_code_details").GetString());
        var metrics = await fixture.Client.GetStringAsync(fixture.Mesh.MetricsEndpoints[0].Metrics);
        Assert.Matches("istio_requests_total\\{reporter=\"source\"[^}]*response_code=\"400\"[^}]*response_flags=\"DPE\"[^}]*\\} [1-9]", metrics);
    }

    /// <summary>Writes a request no HTTP client would send and returns the response head.</summary>
    private static async Task<string> RawExchangeAsync(int port, string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var received = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal) && (read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
        {
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    /// <summary>Finds the JSON access log line of <paramref name="requestId"/> in one program's log file.</summary>
    private bool TryFindLine(string program, string requestId, out JsonElement line)
    {
        line = default;
        var path = Path.Combine(fixture.Mesh.LogDir, program + ".log");
        if (!File.Exists(path))
        {
            return false;
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } text)
        {
            if (text.StartsWith('{') && text.Contains(requestId, StringComparison.Ordinal))
            {
                line = JsonDocument.Parse(text).RootElement.Clone();
                return true;
            }
        }

        return false;
    }
}
