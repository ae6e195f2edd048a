using System.Net;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Forwarding.Tcp;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability.AccessLog;
using Mesh.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Proxy.Tests.Tcp;

/// <summary>
/// A real proxy in process, fed by a fake control plane, with a TCP listener of the test's own in front of its
/// <see cref="TcpProxy"/>: Kestrel on 127.0.0.1 whose connection middleware terminates mTLS as a sidecar's inbound
/// listener does (when asked), sets the original destination (when given) and calls <see cref="TcpProxy.ServeAsync"/>
/// with the listener model the proxy compiled from the pushed config.
/// </summary>
internal sealed class TcpSidecar : IAsyncDisposable
{
    private readonly List<WebApplication> _fronts = [];

    private TcpSidecar(WebApplication proxy, FakeDiscoveryStream stream)
    {
        Proxy = proxy;
        Stream = stream;
    }

    public WebApplication Proxy { get; }

    public FakeDiscoveryStream Stream { get; }

    public ProxySnapshot Snapshot => Proxy.Services.GetRequiredService<ProxySnapshotStore>().Current;

    public static async Task<TcpSidecar> StartAsync(
        string workload, IWorkloadCertificateSource? certificates = null, ListenerLimits? limits = null, string? app = null,
        Random? random = null, AccessLogMode accessLog = AccessLogMode.Off)
    {
        var options = new ProxyOptions(ProxyRole.Sidecar, workload, "default", new Uri("http://127.0.0.1:1"), app ?? "127.0.0.1:1", 0, 0, "127.0.0.1",
            new Dictionary<string, string> { ["app"] = workload, ["version"] = "v1" })
        {
            Listeners = limits ?? new ListenerLimits(),
            AccessLog = accessLog,
        };
        var transport = new FakeDiscoveryTransport();
        var proxy = ProxyApplication.Build(options, transport, TimeProvider.System, random ?? new Random(3), certificates);
        await proxy.StartAsync();
        var stream = await transport.NextStreamAsync();
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            await stream.NextRequestAsync();
        }

        return new TcpSidecar(proxy, stream);
    }

    /// <summary>Pushes clusters, endpoints and listeners (no routes), asserting each is ACKed.</summary>
    public async Task ApplyAsync(Cluster[] clusters, ClusterLoadAssignment[] endpoints, params Listener[] listeners)
    {
        foreach (var response in new[]
        {
            MeshConfig.Response(TypeUrls.Cluster, "1", clusters),
            MeshConfig.Response(TypeUrls.Endpoints, "1", endpoints),
            MeshConfig.Response(TypeUrls.Listener, "1", listeners),
            MeshConfig.Response(TypeUrls.Route, "1"),
        })
        {
            var answer = await Stream.PushAsync(response);
            Assert.True(answer.ErrorDetail is null, answer.ErrorDetail?.Message);
        }
    }

    /// <summary>
    /// Opens the test's TCP listener for the pushed <paramref name="listener"/> and returns its port.
    /// <paramref name="terminateMutualTls"/>: first serve mTLS in the listener's tls_mode, as a sidecar's inbound listener does.
    /// </summary>
    public async Task<int> ListenAsync(Listener listener, bool terminateMutualTls = false, IPEndPoint? originalDestination = null)
    {
        var key = $"{listener.Address}:{listener.Port}";
        var tcp = Proxy.Services.GetRequiredService<TcpProxy>();
        var store = Proxy.Services.GetRequiredService<ProxySnapshotStore>();
        ListenerModel Model() => store.Current.ListenersByEndPoint[key];

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
        {
            if (terminateMutualTls)
            {
                var identity = Proxy.Services.GetRequiredService<WorkloadIdentityStore>();
                var deadline = new ListenerFilterDeadline(TimeSpan.FromSeconds(10), TimeProvider.System, Prometheus.Metrics.WithCustomRegistry(Prometheus.Metrics.NewCustomRegistry()).CreateCounter("timeouts", "test", "listener").WithLabels(listener.Name));
                new InboundTls(identity, TimeProvider.System, NullLogger.Instance).Configure(listen, Model(), deadline, TimeSpan.FromSeconds(10));
            }

            listen.Use(_ => connection =>
            {
                var model = Model();
                if (originalDestination is not null)
                {
                    connection.Features.Set(new OriginalDestinationFeature(originalDestination, model));
                }

                return tcp.ServeAsync(connection, model);
            });
        }));
        var front = builder.Build();
        _fronts.Add(front);
        await front.StartAsync();
        return new Uri(front.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
    }

    /// <summary>The proxy's /stats/prometheus once <paramref name="condition"/> holds of it (metrics are recorded as connections close).</summary>
    public async Task<string> ScrapeWhenAsync(Func<string, bool> condition)
    {
        using var admin = new HttpClient(new SocketsHttpHandler { UseProxy = false })
        {
            BaseAddress = new Uri(Proxy.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
        };
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (true)
        {
            var exposition = await admin.GetStringAsync("/stats/prometheus", deadline.Token);
            if (condition(exposition))
            {
                return exposition;
            }

            await Task.Delay(20, deadline.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var front in _fronts)
        {
            await front.StopAsync();
            await front.DisposeAsync();
        }

        await Proxy.StopAsync();
        await Proxy.DisposeAsync();
    }
}
