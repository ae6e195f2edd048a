using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Listeners;
using Mesh.Proxy.Overload;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Mesh.Proxy.Model;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>The real proxy, in process, on 127.0.0.1, fed by a fake control plane.</summary>
internal sealed class TestProxy : IAsyncDisposable
{
    private TestProxy(WebApplication app, FakeDiscoveryTransport transport, FakeDiscoveryStream stream, Uri admin)
    {
        App = app;
        Transport = transport;
        Stream = stream;
        Admin = new HttpClient { BaseAddress = admin };
    }

    public WebApplication App { get; }

    public FakeDiscoveryTransport Transport { get; }

    /// <summary>The first discovery stream, its four subscriptions already read.</summary>
    public FakeDiscoveryStream Stream { get; }

    public HttpClient Admin { get; }

    public ProxySnapshot Snapshot => App.Services.GetRequiredService<ProxySnapshotStore>().Current;

    /// <param name="limits">The listeners' limits; null: the defaults.</param>
    /// <param name="certificateSource">A workload certificate source, for listeners that serve mTLS; null: no identity.</param>
    /// <param name="overload">The overload manager's heap budget; null: the GC's limit, which tests never reach.</param>
    /// <param name="time">The proxy's clock (a FakeTimeProvider moves outlier detection's sweeps by hand); null: the system's.</param>
    /// <param name="configure">Changes the gateway's options before it starts (a status port, a sidecar's role); null: none.</param>
    /// <param name="originalDestinations">Where captured connections were going (a <see cref="FakeNat"/>); null: the kernel's SO_ORIGINAL_DST.</param>
    public static async Task<TestProxy> StartAsync(Random? random = null, ListenerLimits? limits = null, IWorkloadCertificateSource? certificateSource = null,
        OverloadOptions? overload = null, TimeProvider? time = null, Func<ProxyOptions, ProxyOptions>? configure = null, IOriginalDestinations? originalDestinations = null)
    {
        var options = new ProxyOptions(ProxyRole.Router, "gateway", "default", new Uri("http://127.0.0.1:1"), null, 0, 0, "127.0.0.1", new Dictionary<string, string>())
        {
            Listeners = limits ?? new ListenerLimits(),
            Overload = overload ?? new OverloadOptions(),
        };
        options = configure?.Invoke(options) ?? options;
        var transport = new FakeDiscoveryTransport();
        var app = ProxyApplication.Build(options, transport, time ?? TimeProvider.System, random ?? new Random(7), certificateSource, originalDestinations);
        await app.StartAsync();
        var admin = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        var stream = await transport.NextStreamAsync();
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            await stream.NextRequestAsync();
        }

        return new TestProxy(app, transport, stream, admin);
    }

    /// <summary>Pushes a whole config (clusters with endpoints, one listener, route configurations) and asserts each is ACKed.</summary>
    public async Task ApplyAsync(IEnumerable<Cluster> clusters, IEnumerable<ClusterLoadAssignment> endpoints, Listener listener, params RouteConfiguration[] routes)
    {
        await AckAsync(MeshConfig.Response(TypeUrls.Cluster, "1", [.. clusters]));
        await AckAsync(MeshConfig.Response(TypeUrls.Endpoints, "1", [.. endpoints]));
        await AckAsync(MeshConfig.Response(TypeUrls.Listener, "1", listener));
        await AckAsync(MeshConfig.Response(TypeUrls.Route, "1", routes));
    }

    public async Task AckAsync(DiscoveryResponse response)
    {
        var answer = await Stream.PushAsync(response);
        Assert.True(answer.ErrorDetail is null, answer.ErrorDetail?.Message);
        Assert.Equal(response.VersionInfo, answer.VersionInfo);
    }

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
