using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Sources;
using Mesh.ControlPlane.Tests.Translation;
using Mesh.ControlPlane.Translation;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Sources;

/// <summary>
/// Local mode's <c>--mesh-config</c>: the file is read at start and on every edit, a bad edit is refused with its field
/// path while the last good mesh config keeps serving, and a change is pushed to the captured sidecars it affects.
/// </summary>
public sealed class MeshConfigFileTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly LogCapture _logs = new();
    private readonly MeshSettingsSource _settings = new();

    public void Dispose() => _dir.Dispose();

    private MeshConfigFile Watch(string path) =>
        new(path, _settings, new LoggerFactory([_logs]).CreateLogger<MeshConfigFile>(), TimeProvider.System, TimeSpan.FromMilliseconds(10));

    [Fact]
    public async Task Start_ThenEdits_EachGoodVersionPublishedABadOneRefusedWithItsPath()
    {
        var path = _dir.Write("mesh.yaml", "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\naccessLogFile: /dev/stdout\n");
        var changes = 0;
        _settings.Changed += (_, _) => Interlocked.Increment(ref changes);
        using var file = Watch(path);

        file.Start();

        Assert.Equal(OutboundTrafficPolicyMode.RegistryOnly, _settings.Current.OutboundTrafficPolicy);
        Assert.Equal(1, changes);
        Assert.Contains(_logs.Lines, line => line.EventId == 480 && line.Message.Contains("outboundTrafficPolicy REGISTRY_ONLY"));
        Assert.Contains(_logs.Lines, line => line.EventId == 482 && line.Message.Contains("accessLogFile"));

        File.WriteAllText(path, "outboundTrafficPolicy:\n  mode: NOT_A_MODE\n");
        await Eventually.TrueAsync(() => _logs.Lines.Any(line => line.EventId == 481
            && line.Message.Contains("outboundTrafficPolicy.mode: Invalid value: \"NOT_A_MODE\": expected ALLOW_ANY or REGISTRY_ONLY")
            && line.Message.Contains("the last good mesh config keeps serving")), "the bad edit refused");
        Assert.Equal(OutboundTrafficPolicyMode.RegistryOnly, _settings.Current.OutboundTrafficPolicy);

        File.WriteAllText(path, "outboundTrafficPolicy:\n  mode: ALLOW_ANY\n");
        await Eventually.TrueAsync(() => _settings.Current.OutboundTrafficPolicy == OutboundTrafficPolicyMode.AllowAny, "the good edit in effect");
        Assert.Equal(2, changes);
    }

    [Fact]
    public async Task Start_ExtensionProviders_PublishedForTelemetry_OtherKindsNamedAsWithoutEffect()
    {
        var path = _dir.Write("mesh.yaml", """
            extensionProviders:
            - name: jaeger
              opentelemetry: {service: 127.0.0.1, port: 4317}
            - name: zipkin
              zipkin: {service: zipkin, port: 9411}
            """);
        var seen = new List<(MeshSettings Before, MeshSettings After)>();
        _settings.Changed += (before, after) => seen.Add((before, after));
        using var file = Watch(path);

        file.Start();

        Assert.Equal(new TracingProvider("opentelemetry", "http://127.0.0.1:4317"), _settings.Current.TracingProviders.ByName["jaeger"]);
        Assert.Contains(_logs.Lines, line => line.EventId == 480 && line.Message.EndsWith("tracing providers jaeger (http://127.0.0.1:4317)", StringComparison.Ordinal));
        Assert.Contains(_logs.Lines, line => line.EventId == 482 && line.Message.Contains("extensionProviders zipkin (zipkin: only opentelemetry tracing providers are implemented") && !line.Message.Contains("jaeger"));
        Assert.Equal(MeshSettings.Default, Assert.Single(seen).Before);

        // Written again with the same providers (reordered): read, but the same settings, so no change and no push.
        File.WriteAllText(path, "extensionProviders:\n- name: zipkin\n  zipkin: {service: zipkin, port: 9411}\n- name: jaeger\n  opentelemetry: {service: 127.0.0.1, port: 4317}\n");
        await Eventually.TrueAsync(() => _logs.Lines.Count(line => line.EventId == 480) == 2, "the reordered file read");
        Assert.Single(seen);
        File.WriteAllText(path, "extensionProviders:\n- name: jaeger\n  opentelemetry: {service: 127.0.0.1, port: 4318}\n");
        await Eventually.TrueAsync(() => seen.Count == 2, "the changed provider published");
        Assert.Equal("http://127.0.0.1:4318", _settings.Current.TracingProviders.ByName["jaeger"].OtlpEndpoint);
    }

    [Theory]
    [InlineData("outboundTrafficPolicy: [a]\n", "outboundTrafficPolicy: expected a mapping (OutboundTrafficPolicy)")]
    [InlineData(null, "the file does not exist")]
    public void Start_UnusableFile_RefusedWithAClearError(string? content, string reason)
    {
        var path = content is null ? Path.Combine(_dir.Path, "absent.yaml") : _dir.Write("mesh.yaml", content);
        using var file = Watch(path);

        var error = Assert.Throws<InvalidDataException>(file.Start);

        Assert.Contains($"--mesh-config {path}: {reason}", error.Message);
        Assert.Equal(MeshSettings.Default, _settings.Current);
    }

    [Fact]
    public void NeedsPush_MeshConfigChanged_CapturedSidecarsOnly()
    {
        var snapshot = Simulation.Load(DemoYaml.Workloads);
        var request = PushRequest.ForConfigs(new HashSet<Mesh.Istio.ConfigKey> { MeshSettings.Key }, DateTimeOffset.UnixEpoch);
        var captured = TestNodes.Sidecar("frontend-v1");
        captured.InboundCapturePort = 15006;

        Assert.True(ProxyDependencies.NeedsPush(captured, snapshot, snapshot, request));
        Assert.False(ProxyDependencies.NeedsPush(TestNodes.Sidecar("frontend-v1"), snapshot, snapshot, request));
        Assert.False(ProxyDependencies.NeedsPush(TestNodes.Router(), snapshot, snapshot, request));
    }

    [Fact]
    public async Task ControlPlane_MeshConfigFileEdited_CapturedSidecarPushedTheNewPolicy()
    {
        using var config = new TempDirectory();
        config.Write("workloads.yaml", DemoYaml.Workloads);
        var meshFile = _dir.Write("mesh.yaml", "outboundTrafficPolicy:\n  mode: ALLOW_ANY\n");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var server = ControlPlaneServer.Create(new ControlPlaneOptions
        {
            ConfigDirectory = config.Path, MeshConfigFile = meshFile, GrpcPort = 0, HttpPort = 0,
            Debounce = TimeSpan.FromMilliseconds(10), FileSettle = TimeSpan.FromMilliseconds(10), AllowAnonymousDiscovery = true,
        }, TimeProvider.System, _ => { });
        await server.StartAsync(timeout.Token);
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{server.GrpcPort}");
        using var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).StreamResources(cancellationToken: timeout.Token);
        await using var responses = call.ResponseStream.ReadAllAsync(timeout.Token).GetAsyncEnumerator(timeout.Token);
        var node = TestNodes.Sidecar("frontend-v1");
        node.InboundCapturePort = 15006;
        await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = node, TypeUrl = TypeUrls.Cluster }, timeout.Token);
        var listeners = new DiscoveryResponse();
        for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
        {
            Assert.True(await responses.MoveNextAsync());
            if (responses.Current.TypeUrl == TypeUrls.Listener) listeners = responses.Current;
            await call.RequestStream.WriteAsync(Ack(responses.Current), timeout.Token);
        }
        Assert.Equal(CaptureClusters.Passthrough, Fallthrough(listeners));

        File.WriteAllText(meshFile, "outboundTrafficPolicy:\n  mode: REGISTRY_ONLY\n");

        // Listeners first (clusters and endpoints did not change), then the routes' block_all.
        Assert.True(await responses.MoveNextAsync());
        Assert.Equal(TypeUrls.Listener, responses.Current.TypeUrl);
        Assert.Equal(CaptureClusters.BlackHole, Fallthrough(responses.Current));
        await call.RequestStream.WriteAsync(Ack(responses.Current), timeout.Token);
        Assert.True(await responses.MoveNextAsync());
        Assert.Equal(TypeUrls.Route, responses.Current.TypeUrl);
        var outbound = responses.Current.Resources.Select(r => r.Unpack<RouteConfiguration>()).Single(r => r.Name == "outbound");
        Assert.Equal(OutboundFallthrough.BlockAll, outbound.VirtualHosts[^1].Name);
    }

    private static string Fallthrough(DiscoveryResponse listeners) =>
        listeners.Resources.Select(r => r.Unpack<Listener>()).Single(l => l.Name == "virtualOutbound").TcpClusters.Single().Name;

    private static DiscoveryRequest Ack(DiscoveryResponse response) =>
        new() { TypeUrl = response.TypeUrl, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce };
}
