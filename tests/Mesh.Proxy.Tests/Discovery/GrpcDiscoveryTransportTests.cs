using Mesh.Contracts.Discovery;
using Mesh.Proxy.Discovery;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Discovery;

/// <summary>The discovery client over the real Grpc.Net.Client transport when the control plane is not there.</summary>
public sealed class GrpcDiscoveryTransportTests
{
    private const int ConnectedEvent = 1001;
    private const int DisconnectedEvent = 1004;

    [Fact]
    public async Task ConnectAsync_NothingListening_OneLineReasonNoStackAndNeverConnected()
    {
        using var transport = new GrpcDiscoveryTransport(new Uri($"http://127.0.0.1:{FreePort.Next()}"));
        var options = new ProxyOptions(ProxyRole.Router, "gw", "default", new Uri("http://127.0.0.1:1"), null, 0, 0, "127.0.0.1", new Dictionary<string, string>());
        await using var proxy = ProxyApplication.Build(options, transport, TimeProvider.System, new Random(5));
        using var logs = new LogCapture();
        proxy.Services.GetRequiredService<ILoggerFactory>().AddProvider(logs);

        await proxy.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!logs.Lines.Any(l => l.EventId == DisconnectedEvent)) await Task.Delay(10, timeout.Token);
        await proxy.StopAsync();

        var disconnected = logs.Lines.First(l => l.EventId == DisconnectedEvent);
        Assert.Equal("disconnected from the control plane: Connection refused", disconnected.Message);
        Assert.Null(disconnected.Exception);
        Assert.DoesNotContain(logs.Lines, l => l.EventId == ConnectedEvent);
    }
}
