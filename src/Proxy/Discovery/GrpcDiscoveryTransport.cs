using Mesh.Contracts.Discovery;
using Mesh.Grpc;
using Mesh.Proxy.Identity;

namespace Mesh.Proxy.Discovery;

/// <summary>Discovery streams over Mesh.Grpc: the AggregatedDiscoveryService's StreamResources duplex call (TLS for https://).</summary>
/// <param name="caRootFile">The CA root bundle that verifies an https:// control plane; unused for http://.</param>
internal sealed class GrpcDiscoveryTransport(Uri address, string? caRootFile = null) : IDiscoveryTransport, IDisposable
{
    private static readonly GrpcMethod<DiscoveryRequest, DiscoveryResponse> StreamResources = new(
        "/mesh.discovery.v1.AggregatedDiscoveryService/StreamResources",
        DiscoveryRequest.Parser,
        DiscoveryResponse.Parser);

    private readonly ControlPlaneChannel _connection = new(address, caRootFile, TimeProvider.System);

    public async Task<IDiscoveryStream> ConnectAsync(CancellationToken cancellationToken)
    {
        var call = await _connection.Channel.StartDuplexAsync(StreamResources, new GrpcCallOptions(CancellationToken: cancellationToken));
        return new Stream(call);
    }

    public void Dispose() => _connection.Dispose();

    private sealed class Stream(GrpcDuplexCall<DiscoveryRequest, DiscoveryResponse> call) : IDiscoveryStream
    {
        public Task SendAsync(DiscoveryRequest request, CancellationToken cancellationToken) => call.WriteAsync(request, cancellationToken);

        public IAsyncEnumerable<DiscoveryResponse> ReadAllAsync(CancellationToken cancellationToken) => call.ReadAllAsync(cancellationToken);

        public ValueTask DisposeAsync() => call.DisposeAsync();
    }
}
