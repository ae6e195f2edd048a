using System.Net;
using System.Threading.Channels;
using Google.Protobuf.WellKnownTypes;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Translation;
using Mesh.Proxy;
using Mesh.Proxy.Discovery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A real sidecar proxy, in process on 127.0.0.1, given what translation generates for it from a snapshot: Istio YAML
/// in, through the loader and translation, out of a real listener to real backends. The proxy's discovery stream is
/// served in memory, each resource type pushed in order and ACKed.
/// </summary>
internal sealed class SampleProxy : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SampleProxy(WebApplication app, int outboundPort)
    {
        _app = app;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = new Uri($"http://127.0.0.1:{outboundPort}") };
    }

    /// <summary>Sends to the sidecar's outbound listener; set the Host header to choose the service.</summary>
    public HttpClient Client { get; }

    public static async Task<SampleProxy> StartAsync(MeshSnapshot snapshot, string workload, string ns, TimeProvider? time = null,
        IReadOnlyDictionary<string, int>? endpointPorts = null)
    {
        var outboundPort = Mesh.Meshctl.Local.FreePorts.Take(1)[0];
        var node = TestNodes.Sidecar(workload, ns);
        node.OutboundPort = (uint)outboundPort;
        var resources = ProxyConfigGenerator.Generate(node, snapshot);
        foreach (var (cluster, port) in endpointPorts ?? new Dictionary<string, int>())
        {
            // A sample's placeholder endpoint (an address nothing listens on here) stands for the test's backend.
            foreach (var endpoint in Assert.Single(resources.Endpoints, e => e.ClusterName == cluster).Endpoints)
            {
                endpoint.Address = "127.0.0.1";
                endpoint.Port = (uint)port;
            }
        }

        var options = new ProxyOptions(ProxyRole.Sidecar, workload, ns, new Uri("http://127.0.0.1:1"), null, outboundPort, 0, "127.0.0.1", new Dictionary<string, string>());
        var transport = new GeneratedConfigTransport(resources);
        var app = ProxyApplication.Build(options, transport, time ?? TimeProvider.System, new Random(7));
        await app.StartAsync();
        await transport.Acked.WaitAsync(TimeSpan.FromSeconds(30));
        return new SampleProxy(app, outboundPort);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Serves the generated resources on the proxy's first stream and completes <see cref="Acked"/> once every type is ACKed.</summary>
    private sealed class GeneratedConfigTransport(ProxyResources resources) : IDiscoveryTransport
    {
        private readonly TaskCompletionSource _acked = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task Acked => _acked.Task;

        public Task<IDiscoveryStream> ConnectAsync(CancellationToken cancellationToken) => Task.FromResult<IDiscoveryStream>(new Stream(resources, _acked));

        private sealed class Stream(ProxyResources resources, TaskCompletionSource acked) : IDiscoveryStream
        {
            private readonly Channel<DiscoveryResponse> _responses = Channel.CreateUnbounded<DiscoveryResponse>();
            private int _next;

            public Task SendAsync(DiscoveryRequest request, CancellationToken cancellationToken)
            {
                if (request.ErrorDetail is { } error)
                {
                    acked.TrySetException(new InvalidOperationException($"the proxy NACKed {request.TypeUrl}: {error.Message}"));
                    return Task.CompletedTask;
                }

                // Each subscription and each ACK moves to the next type, in push order.
                if (request.ResponseNonce.Length > 0 || _next == 0)
                {
                    if (_next < TypeUrls.PushOrder.Count)
                    {
                        var typeUrl = TypeUrls.PushOrder[_next];
                        var response = new DiscoveryResponse { TypeUrl = typeUrl, VersionInfo = "1", Nonce = (_next + 1).ToString(System.Globalization.CultureInfo.InvariantCulture) };
                        foreach (var resource in resources.OfType(typeUrl))
                        {
                            if (resource is Listener listener && listener.Name != SidecarOutboundGenerator.ListenerName) continue;
                            response.Resources.Add(Any.Pack(resource));
                        }

                        _next++;
                        _responses.Writer.TryWrite(response);
                    }
                    else if (request.ResponseNonce.Length > 0)
                    {
                        acked.TrySetResult();
                    }
                }

                return Task.CompletedTask;
            }

            public IAsyncEnumerable<DiscoveryResponse> ReadAllAsync(CancellationToken cancellationToken) => _responses.Reader.ReadAllAsync(cancellationToken);

            public ValueTask DisposeAsync()
            {
                _responses.Writer.TryComplete();
                return ValueTask.CompletedTask;
            }
        }
    }
}

/// <summary>A plain HTTP backend on 127.0.0.1 that records what reached it.</summary>
internal sealed class SampleBackend : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<(string Host, string Method, string Path)> _received = Channel.CreateUnbounded<(string, string, string)>();
    private int _requests;

    private SampleBackend(WebApplication app) => _app = app;

    public int Port { get; private set; }

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<SampleBackend> StartAsync(string name)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var backend = new SampleBackend(app);
        app.Run(context =>
        {
            Interlocked.Increment(ref backend._requests);
            backend._received.Writer.TryWrite((context.Request.Host.Value ?? "", context.Request.Method, context.Request.Path.Value ?? ""));
            context.Response.Headers["x-backend"] = name;
            return context.Response.WriteAsync(name);
        });
        await app.StartAsync();
        backend.Port = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()).Port;
        return backend;
    }

    /// <summary>The next request that reached this backend.</summary>
    public async Task<(string Host, string Method, string Path)> NextAsync()
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _received.Reader.ReadAsync(deadline.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
