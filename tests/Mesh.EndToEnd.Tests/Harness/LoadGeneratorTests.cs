using Mesh.Harness.Load;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.EndToEnd.Tests.Harness;

/// <summary>The harness's load generator against a real server on 127.0.0.1: counts, protocols, and the coordinated-omission correction.</summary>
public sealed class LoadGeneratorTests
{
    private static readonly LoadOptions TwoHundredForOneSecond = new() { Connections = 4, Rate = 200, Duration = TimeSpan.FromSeconds(1) };

    [Theory]
    [InlineData("/")]
    [InlineData("/chunked")]
    public async Task RunAsync_Http1AtFixedRate_RecordsEveryScheduledRequest(string path)
    {
        await using var server = await LoadServer.StartAsync(HttpProtocols.Http1);

        var result = await LoadGenerator.RunAsync(new LoadTarget(server.Url(path)), TwoHundredForOneSecond);

        Assert.Equal(0, result.Errors);
        Assert.Equal(200, result.Requests);
        Assert.Equal(200, result.AskedRate);
    }

    [Fact]
    public async Task RunAsync_Http2PriorKnowledge_RecordsEveryScheduledRequest()
    {
        await using var server = await LoadServer.StartAsync(HttpProtocols.Http2);

        var result = await LoadGenerator.RunAsync(new LoadTarget(server.Url("/"), LoadProtocol.Http2), TwoHundredForOneSecond);

        Assert.Equal(0, result.Errors);
        Assert.Equal(200, result.Requests);
    }

    [Fact]
    public async Task RunAsync_Http2OverTls_RecordsEveryScheduledRequest()
    {
        await using var server = await HttpsBackend.StartAsync("load.example");

        var result = await LoadGenerator.RunAsync(new LoadTarget(new Uri($"https://127.0.0.1:{server.Port}/"), LoadProtocol.Http2), TwoHundredForOneSecond);

        Assert.Equal(0, result.Errors);
        Assert.Equal(200, result.Requests);
    }

    [Fact]
    public async Task RunAsync_GrpcHealthCheck_RecordsEveryScheduledCall()
    {
        await using var server = await LoadServer.StartAsync(HttpProtocols.Http2);

        var result = await LoadGenerator.RunAsync(new LoadTarget(server.Url("/"), LoadProtocol.Grpc), TwoHundredForOneSecond);

        Assert.Equal(0, result.Errors);
        Assert.Equal(200, result.Requests);
    }

    [Fact]
    public async Task RunAsync_ClosedLoop_SendsUntilTheDurationAndCountsNoErrors()
    {
        await using var server = await LoadServer.StartAsync(HttpProtocols.Http1);

        var result = await LoadGenerator.RunAsync(new LoadTarget(server.Url("/")),
            new LoadOptions { Connections = 2, Rate = 0, Duration = TimeSpan.FromSeconds(0.5) });

        Assert.Equal(0, result.Errors);
        Assert.True(result.Requests > 0, "a closed loop sends as soon as each answer is in");
        Assert.Equal(0, result.AskedRate);
    }

    [Fact]
    public async Task RunAsync_SlowServerOnOneConnection_MeasuresLatencyFromTheIntendedStart()
    {
        // 50 requests due 20 ms apart on one connection to a server that takes 50 ms each: request k is due at 20k ms
        // but cannot start before the k requests ahead of it are answered (at 50k ms), so its latency from the
        // intended start is at least 30k + 50 ms. A generator that measured from the send would see ~50 ms for all.
        await using var server = await LoadServer.StartAsync(HttpProtocols.Http1);
        var serviceMs = LoadServer.SlowServiceTime.TotalMilliseconds;

        var result = await LoadGenerator.RunAsync(new LoadTarget(server.Url("/slow")),
            new LoadOptions { Connections = 1, Rate = 50, Duration = TimeSpan.FromSeconds(1) });

        Assert.Equal(0, result.Errors);
        Assert.Equal(50, result.Requests);
        Assert.True(result.PercentileMs(50) > 10 * serviceMs, $"p50 {result.PercentileMs(50)} ms: the queueing must count");
        Assert.True(result.PercentileMs(100) > 25 * serviceMs, $"max {result.PercentileMs(100)} ms: the last request waited for 49 before it");
        Assert.True(result.AchievedRate < 50, $"one connection at 50 ms cannot hold 50 req/s, achieved {result.AchievedRate}");
    }

    [Fact]
    public async Task RunAsync_ServerErrors_CountAsErrorsNotLatencies()
    {
        await using var server = await LoadServer.StartAsync(HttpProtocols.Http1);

        var result = await LoadGenerator.RunAsync(new LoadTarget(server.Url("/fail")), TwoHundredForOneSecond);

        Assert.Equal(200, result.Errors);
        Assert.Equal(0, result.Requests);
    }

    [Fact]
    public async Task RunAsync_NoServer_CountsEveryRequestAsAnError()
    {
        var port = Mesh.Meshctl.Local.FreePorts.Take(1)[0];

        var result = await LoadGenerator.RunAsync(new LoadTarget(new Uri($"http://127.0.0.1:{port}/")),
            new LoadOptions { Connections = 2, Rate = 100, Duration = TimeSpan.FromSeconds(0.5) });

        Assert.Equal(50, result.Errors);
        Assert.Equal(0, result.Requests);
    }

    [Theory]
    [InlineData(0, 100, 1)]
    [InlineData(LoadOptions.MaxConnections + 1, 100, 1)]
    [InlineData(4, -1, 1)]
    [InlineData(4, 100, 0)]
    public async Task RunAsync_OutOfBounds_ThrowsBeforeSending(int connections, double rate, double seconds)
    {
        var options = new LoadOptions { Connections = connections, Rate = rate, Duration = TimeSpan.FromSeconds(seconds) };

        await Assert.ThrowsAsync<ArgumentException>(() => LoadGenerator.RunAsync(new LoadTarget(new Uri("http://127.0.0.1:1/")), options));
    }
}
