using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using Mesh.Contracts.Discovery;
using Mesh.Contracts.Security;
using Mesh.Proxy.Discovery;
using Mesh.Proxy.Identity;
using Mesh.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Proxy.Tests.Identity;

/// <summary>
/// A proxy in a pod authenticates with its projected service-account token (--ca-token-file): read again for every CSR
/// and every discovery stream, since the kubelet rotates the file's content; the CSR asks for the service account's identity.
/// </summary>
public sealed class ServiceAccountTokenTests : IAsyncLifetime
{
    private static readonly SpiffeId Cart = new("mesh.example.org", "shop", "cart");

    private readonly string _tokenFile = Path.Combine(Path.GetTempPath(), $"mesh-sa-token-{Guid.NewGuid():N}");
    private readonly CertificateAuthority _ca = CertificateAuthority.CreateSelfSigned("mesh.example.org", TimeProvider.System, TimeSpan.FromDays(1));
    private readonly RecordingControlPlane _controlPlane = new();
    private WebApplication? _server;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(_controlPlane);
        builder.Services.AddSingleton(new RecordingCa(_ca, _controlPlane));
        builder.Services.AddSingleton<RecordingDiscovery>();
        _server = builder.Build();
        _server.MapGrpcService<RecordingCa>();
        _server.MapGrpcService<RecordingDiscovery>();
        await _server.StartAsync();
        _address = new Uri(_server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        await _server!.DisposeAsync();
        _ca.Dispose();
        File.Delete(_tokenFile);
    }

    private IdentityOptions Options => new() { TokenFile = _tokenFile, ServiceAccountIdentity = Cart };

    [Fact]
    public async Task FetchAsync_TokenRotatedBetweenRequests_EachCsrSendsTheTokenOfTheMoment()
    {
        using var source = new GrpcCertificateSource(_address, Options);

        await File.WriteAllTextAsync(_tokenFile, "first.jwt.token\n");
        var first = await source.FetchAsync(CancellationToken.None);
        await File.WriteAllTextAsync(_tokenFile, "second.jwt.token\n");
        var second = await source.FetchAsync(CancellationToken.None);

        Assert.Equal(["Bearer first.jwt.token", "Bearer second.jwt.token"], _controlPlane.CsrTokens);
        Assert.Equal([Cart.Uri, Cart.Uri], _controlPlane.CsrIdentities);
        Assert.Equal(Cart, first.Identity);
        Assert.Equal(Cart, second.Identity);
    }

    [Fact]
    public async Task FetchAsync_TokenFileGone_FailsNamingTheFile()
    {
        using var source = new GrpcCertificateSource(_address, Options);

        var error = await Assert.ThrowsAnyAsync<IOException>(() => source.FetchAsync(CancellationToken.None));

        Assert.Contains(_tokenFile, error.Message);
        Assert.Empty(_controlPlane.CsrTokens);
    }

    [Fact]
    public async Task ConnectAsync_TokenRotatedBetweenStreams_EachStreamSendsTheTokenOfTheMoment()
    {
        using var transport = new GrpcDiscoveryTransport(_address, Options);

        foreach (var token in (string[])["first.jwt.token", "second.jwt.token"])
        {
            await File.WriteAllTextAsync(_tokenFile, token);
            await using var stream = await transport.ConnectAsync(CancellationToken.None);
            await stream.SendAsync(new DiscoveryRequest { TypeUrl = TypeUrls.Cluster }, CancellationToken.None);
            await _controlPlane.StreamOpened.Reader.ReadAsync();
        }

        Assert.Equal(["Bearer first.jwt.token", "Bearer second.jwt.token"], _controlPlane.StreamTokens);
    }

    /// <summary>What the control plane was sent: the authorization header of every CSR and stream, and every CSR's identity.</summary>
    private sealed class RecordingControlPlane
    {
        public ConcurrentQueue<string> CsrTokens { get; } = new();

        public ConcurrentQueue<string> CsrIdentities { get; } = new();

        public ConcurrentQueue<string> StreamTokens { get; } = new();

        public System.Threading.Channels.Channel<bool> StreamOpened { get; } = System.Threading.Channels.Channel.CreateUnbounded<bool>();
    }

    private sealed class RecordingCa(CertificateAuthority ca, RecordingControlPlane record) : CertificateService.CertificateServiceBase
    {
        public override Task<CreateCertificateResponse> CreateCertificate(CreateCertificateRequest request, ServerCallContext context)
        {
            record.CsrTokens.Enqueue(context.RequestHeaders.GetValue("authorization") ?? "");
            var csr = SigningRequestValidator.Validate(System.Text.Encoding.ASCII.GetBytes(request.Csr));
            record.CsrIdentities.Enqueue(csr.RequestedIdentity.Uri);
            var issued = ca.Issue(csr, csr.RequestedIdentity, TimeSpan.FromHours(1));
            var response = new CreateCertificateResponse { TrustBundle = issued.TrustBundlePem };
            response.CertChain.Add(issued.CertificatePem);
            response.CertChain.AddRange(issued.ChainPem);
            return Task.FromResult(response);
        }
    }

    private sealed class RecordingDiscovery(RecordingControlPlane record) : AggregatedDiscoveryService.AggregatedDiscoveryServiceBase
    {
        public override async Task StreamResources(IAsyncStreamReader<DiscoveryRequest> requestStream, IServerStreamWriter<DiscoveryResponse> responseStream, ServerCallContext context)
        {
            record.StreamTokens.Enqueue(context.RequestHeaders.GetValue("authorization") ?? "");
            await requestStream.MoveNext(context.CancellationToken);
            await record.StreamOpened.Writer.WriteAsync(true);
            try
            {
                await Task.Delay(Timeout.Infinite, context.CancellationToken);
            }
            catch (OperationCanceledException)
            {
                // The proxy ended the stream.
            }
        }
    }
}
