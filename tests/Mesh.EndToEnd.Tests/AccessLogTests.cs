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
