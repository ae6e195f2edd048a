using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Tests.Translation;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>
/// A control plane on 127.0.0.1 as the command line runs it (a CA folder, TLS on the gRPC port, discovery
/// authenticated), its log lines kept, and what a test needs to speak to it as one workload or another.
/// </summary>
internal sealed class SecuredControlPlane : IAsyncDisposable
{
    public const int RefusedEvent = 212;

    public static readonly SpiffeId Frontend = new("cluster.local", "default", "frontend");
    public static readonly SpiffeId Backend = new("cluster.local", "default", "backend");

    private readonly TempDirectory _root;
    private readonly BootstrapToken _tokens;

    private SecuredControlPlane(TempDirectory root, ControlPlaneServer server, LogCapture logs)
    {
        _root = root;
        Server = server;
        Logs = logs;
        _tokens = BootstrapToken.LoadOrCreate(CaDirectory);
    }

    public ControlPlaneServer Server { get; }

    public LogCapture Logs { get; }

    public string CaDirectory => Path.Combine(_root.Path, "ca");

    public string ConfigDirectory => Path.Combine(_root.Path, "config");

    public string RootFile => Path.Combine(CaDirectory, CertificateAuthorityFolder.RootCertFile);

    public Uri GrpcAddress => new($"https://127.0.0.1:{Server.GrpcPort}");

    /// <summary>Serves the demo's workloads (frontend-v1 as service account frontend, backend-v1/v2 as backend).</summary>
    public static async Task<SecuredControlPlane> StartAsync()
    {
        var root = new TempDirectory();
        var config = Directory.CreateDirectory(Path.Combine(root.Path, "config")).FullName;
        File.WriteAllText(Path.Combine(config, "workloads.yaml"), DemoYaml.Workloads);
        var logs = new LogCapture();
        var server = ControlPlaneServer.Create(new ControlPlaneOptions
        {
            ConfigDirectory = config,
            CaDirectory = Path.Combine(root.Path, "ca"),
            GrpcPort = 0,
            HttpPort = 0,
            ServingCertificateLifetime = TimeSpan.FromHours(1),
            Debounce = TimeSpan.FromMilliseconds(10),
            FileSettle = TimeSpan.FromMilliseconds(10),
        }, TimeProvider.System, logging => logging.AddProvider(logs));
        await server.StartAsync();
        return new SecuredControlPlane(root, server, logs);
    }

    public string Token(SpiffeId identity) => _tokens.Create(identity);

    /// <summary>A one-hour workload certificate (with its key) from the control plane's own CA, issued now or at <paramref name="issuedAt"/>.</summary>
    public X509Certificate2 Certificate(SpiffeId identity, DateTimeOffset? issuedAt = null)
    {
        using var ca = CertificateAuthorityFolder.Load(CaDirectory, identity.TrustDomain, TimeProvider.System);
        // The same signing certificate and key on another clock (disposed with the CA it borrows them from).
        var issuer = issuedAt is { } at ? new CertificateAuthority(ca.Signing, ca.Intermediates, ca.Bundle, ca.TrustDomain, new FakeTimeProvider(at)) : ca;
        using var key = WorkloadKey.Create();
        var request = SigningRequestValidator.Validate(System.Text.Encoding.ASCII.GetBytes(WorkloadKey.CreateSigningRequestPem(key, identity)));
        return WorkloadKey.Combine(issuer.Issue(request, identity, TimeSpan.FromHours(1)).CertificatePem, key);
    }

    /// <summary>A TLS channel to the gRPC port presenting <paramref name="clientCertificate"/> (none when null).</summary>
    public GrpcChannel Channel(X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler();
        // The control plane's own certificate is ServingCertificateTests' subject, not these tests'.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        if (clientCertificate is not null) handler.SslOptions.ClientCertificates = [clientCertificate];
        return GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    /// <summary>Opens a stream as <paramref name="node"/> and reads the four first responses, ACKing each; throws the refusal's RpcException.</summary>
    public static async Task<AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse>> SubscribeAsync(GrpcChannel channel, Node node,
        string? token = null, CancellationToken cancellationToken = default)
    {
        var headers = token is null ? null : new Metadata { { "authorization", "Bearer " + token } };
        var call = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(channel).StreamResources(headers, cancellationToken: cancellationToken);
        try
        {
            await call.RequestStream.WriteAsync(new DiscoveryRequest { Node = node, TypeUrl = TypeUrls.Cluster }, cancellationToken);
            for (var i = 0; i < TypeUrls.PushOrder.Count; i++)
            {
                if (!await call.ResponseStream.MoveNext(cancellationToken)) throw new InvalidOperationException("the stream ended without a status");
                var response = call.ResponseStream.Current;
                await call.RequestStream.WriteAsync(new DiscoveryRequest { TypeUrl = response.TypeUrl, VersionInfo = response.VersionInfo, ResponseNonce = response.Nonce }, cancellationToken);
            }
            return call;
        }
        catch
        {
            call.Dispose();
            throw;
        }
    }

    /// <summary>The value of one series of the HTTP port's /metrics (0 while it is not there).</summary>
    public async Task<double> MetricAsync(string series)
    {
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{Server.HttpPort}/metrics");
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(series + " ", StringComparison.Ordinal)) return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>The proxy <paramref name="id"/>'s entry in /debug/syncz, or null while it is not listed.</summary>
    public async Task<JsonElement?> SynczProxyAsync(string id)
    {
        using var http = new HttpClient();
        using var syncz = JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{Server.HttpPort}/debug/syncz"));
        foreach (var proxy in syncz.RootElement.EnumerateArray())
        {
            if (proxy.GetProperty("id").GetString() == id) return proxy.Clone();
        }
        return null;
    }

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _root.Dispose();
    }
}
