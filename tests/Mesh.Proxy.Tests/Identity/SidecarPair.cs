using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Proxy.Tests.Infrastructure;
using Mesh.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Proxy.Tests.Identity;

/// <summary>
/// Two real sidecars in process: "frontend" (outbound listener, a cluster to backend) and "backend" (an inbound
/// listener in front of an app that echoes the x-forwarded-client-cert it received), each with a certificate source.
/// </summary>
internal sealed class SidecarPair : IAsyncDisposable
{
    public static readonly SpiffeId FrontendId = new("cluster.local", "default", "frontend");
    public static readonly SpiffeId BackendId = new("cluster.local", "default", "backend");

    private readonly List<WebApplication> _proxies = [];

    private SidecarPair(UpstreamServer app) => App = app;

    public UpstreamServer App { get; }

    public int InboundPort { get; } = FreePort.Next();

    public int OutboundPort { get; } = FreePort.Next();

    public WebApplication Backend => _proxies[0];

    public WebApplication Frontend => _proxies[1];

    public FakeDiscoveryStream BackendStream { get; private set; } = null!;

    public FakeDiscoveryStream FrontendStream { get; private set; } = null!;

    /// <param name="frontendRole">Router makes the frontend a gateway: a proxy with no endpoint of its own in EDS.</param>
    /// <param name="app">Backend's application; by default it answers with the x-forwarded-client-cert it received.</param>
    /// <param name="appProtocols">What the app speaks: HTTP/1.1 unless said.</param>
    public static async Task<SidecarPair> StartAsync(
        IWorkloadCertificateSource backendSource, IWorkloadCertificateSource? frontendSource, double renewFraction = IdentityOptions.DefaultRenewFraction,
        ProxyRole frontendRole = ProxyRole.Sidecar, RequestDelegate? app = null, HttpProtocols appProtocols = HttpProtocols.Http1)
    {
        var upstream = await UpstreamServer.StartAsync(
            app ?? (context => context.Response.WriteAsync("xfcc=" + context.Request.Headers["x-forwarded-client-cert"])), appProtocols);
        var pair = new SidecarPair(upstream);
        pair.BackendStream = await pair.StartProxyAsync(ProxyRole.Sidecar, "backend-v1", backendSource, renewFraction);
        if (frontendSource is not null)
        {
            pair.FrontendStream = await pair.StartProxyAsync(frontendRole, "frontend-v1", frontendSource, renewFraction);
        }

        return pair;
    }

    /// <summary>Configures backend's inbound listener in <paramref name="mode"/>, in front of the app.</summary>
    /// <param name="protocol">The inbound cluster's protocol, to the app: HTTP/1.1 unless said.</param>
    public async Task ConfigureBackendAsync(InboundTlsMode mode, string version = "1", UpstreamProtocol protocol = UpstreamProtocol.Http1)
    {
        var cluster = MeshConfig.Cluster("inbound|80||", protocol);
        var listener = new Listener
        {
            Name = $"virtualInbound_{InboundPort}", Address = "127.0.0.1", Port = (uint)InboundPort,
            RouteConfigName = "inbound|80", Direction = TrafficDirection.Inbound, TlsMode = mode,
        };
        await ApplyAsync(BackendStream, version, cluster, MeshConfig.Endpoints("inbound|80||", App.Port), listener,
            MeshConfig.Routes("inbound|80", MeshConfig.Host("inbound", ["*"], MeshConfig.ToCluster("inbound|80||"))));
    }

    /// <summary>Configures frontend's outbound listener to reach backend's inbound port with <paramref name="tls"/>.</summary>
    /// <param name="protocol">The cluster's protocol; by default what the control plane sends for an HTTP port: HTTP/2
    /// between sidecars (ISTIO_MUTUAL), HTTP/1.1 otherwise.</param>
    /// <param name="pool">The cluster's connectionPool; none by default.</param>
    public async Task ConfigureFrontendAsync(UpstreamTls? tls, string version = "1", UpstreamProtocol? protocol = null, ConnectionPool? pool = null)
    {
        var cluster = MeshConfig.Cluster("outbound|80||backend",
            protocol ?? (tls?.Mode == UpstreamTlsMode.IstioMutual ? UpstreamProtocol.Http2 : UpstreamProtocol.Http1));
        cluster.Tls = tls;
        cluster.ConnectionPool = pool;
        var listener = MeshConfig.Listener("virtualOutbound", OutboundPort, "outbound");
        await ApplyAsync(FrontendStream, version, cluster, MeshConfig.Endpoints("outbound|80||backend", InboundPort), listener,
            MeshConfig.Routes("outbound", MeshConfig.Host("backend", ["*"], MeshConfig.ToCluster("outbound|80||backend"))));
    }

    public static UpstreamTls IstioMutual(params SpiffeId[] expected)
    {
        var tls = new UpstreamTls { Mode = UpstreamTlsMode.IstioMutual, Sni = "outbound_.80_._.backend.default.svc.cluster.local" };
        foreach (var id in expected)
        {
            tls.SubjectAltNames.Add(id.Uri);
        }

        return tls;
    }

    public static WorkloadIdentityStore Store(WebApplication proxy) => proxy.Services.GetRequiredService<WorkloadIdentityStore>();

    /// <summary>A proxy's admin server (the first address it listens on), where /stats/prometheus is.</summary>
    public static HttpClient Admin(WebApplication proxy) => new(new SocketsHttpHandler { UseProxy = false })
    {
        BaseAddress = new Uri(proxy.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()),
    };

    public async ValueTask DisposeAsync()
    {
        for (var i = _proxies.Count - 1; i >= 0; i--)
        {
            await _proxies[i].StopAsync();
            await _proxies[i].DisposeAsync();
        }

        await App.DisposeAsync();
    }

    private async Task<FakeDiscoveryStream> StartProxyAsync(ProxyRole role, string workload, IWorkloadCertificateSource source, double renewFraction)
    {
        var options = new ProxyOptions(role, workload, "default", new Uri("http://127.0.0.1:1"), $"127.0.0.1:{App.Port}", OutboundPort, 0,
            "127.0.0.1", new Dictionary<string, string>()) { Identity = new IdentityOptions { RenewFraction = renewFraction } };
        var transport = new FakeDiscoveryTransport();
        var proxy = ProxyApplication.Build(options, transport, TimeProvider.System, new Random(5), source);
        _proxies.Add(proxy);
        await proxy.StartAsync();
        var stream = await transport.NextStreamAsync();
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            await stream.NextRequestAsync();
        }

        return stream;
    }

    private static async Task ApplyAsync(FakeDiscoveryStream stream, string version, Cluster cluster, ClusterLoadAssignment endpoints, Listener listener, RouteConfiguration routes)
    {
        foreach (var response in new[]
        {
            MeshConfig.Response(TypeUrls.Cluster, version, cluster),
            MeshConfig.Response(TypeUrls.Endpoints, version, endpoints),
            MeshConfig.Response(TypeUrls.Listener, version, listener),
            MeshConfig.Response(TypeUrls.Route, version, routes),
        })
        {
            var answer = await stream.PushAsync(response);
            Assert.True(answer.ErrorDetail is null, answer.ErrorDetail?.Message);
        }
    }
}
