using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Identity;

namespace Mesh.Proxy.Discovery;

/// <summary>
/// Discovery streams over Grpc.Net.Client: the AggregatedDiscoveryService's StreamResources duplex call (TLS for
/// https://), authenticated as the control plane asks: the workload certificate on the TLS connection and the
/// token on every call (before the first certificate, and should a certificate not verify, the token still does): the
/// bootstrap token, or the projected service-account token, read again for every call.
/// </summary>
/// <param name="identity">The CA root bundle that verifies an https:// control plane, and the token; null: neither.</param>
/// <param name="certificates">This proxy's workload certificate, presented when the control plane asks; null: none.</param>
internal sealed class GrpcDiscoveryTransport(Uri address, IdentityOptions? identity = null, WorkloadIdentityStore? certificates = null)
    : IDiscoveryTransport, IDisposable
{
    private readonly GrpcChannel _channel = ControlPlaneChannel.Create(address, identity?.CaRootFile, TimeProvider.System, certificates);

    /// <summary>Starts the call; the connection is made as the first request goes out, so a refusal surfaces from that send.</summary>
    public Task<IDiscoveryStream> ConnectAsync(CancellationToken cancellationToken)
    {
        var headers = identity is not null && CaToken.Current(identity) is { } token ? new Metadata { { "authorization", "Bearer " + token } } : null;
        var client = new AggregatedDiscoveryService.AggregatedDiscoveryServiceClient(_channel);
        IDiscoveryStream stream = new Stream(client.StreamResources(headers, cancellationToken: cancellationToken));
        return Task.FromResult(stream);
    }

    public void Dispose() => _channel.Dispose();

    private sealed class Stream(AsyncDuplexStreamingCall<DiscoveryRequest, DiscoveryResponse> call) : IDiscoveryStream
    {
        public Task SendAsync(DiscoveryRequest request, CancellationToken cancellationToken) => call.RequestStream.WriteAsync(request, cancellationToken);

        public IAsyncEnumerable<DiscoveryResponse> ReadAllAsync(CancellationToken cancellationToken) => call.ResponseStream.ReadAllAsync(cancellationToken);

        /// <summary>Ends the call; a call still running is cancelled, so the control plane sees the proxy leave.</summary>
        public ValueTask DisposeAsync()
        {
            call.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
