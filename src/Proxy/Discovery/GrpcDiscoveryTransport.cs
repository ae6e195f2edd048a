using Mesh.Contracts.Discovery;
using Mesh.Grpc;

namespace Mesh.Proxy.Discovery;

/// <summary>Discovery streams over Mesh.Grpc: the AggregatedDiscoveryService's StreamResources duplex call.</summary>
internal sealed class GrpcDiscoveryTransport(Uri address) : IDiscoveryTransport, IDisposable
{
    private static readonly GrpcMethod<DiscoveryRequest, DiscoveryResponse> StreamResources = new(
        "/mesh.discovery.v1.AggregatedDiscoveryService/StreamResources",
        DiscoveryRequest.Parser,
        DiscoveryResponse.Parser);

    private readonly GrpcChannel _channel = new(address);

    public async Task<IDiscoveryStream> ConnectAsync(CancellationToken cancellationToken)
    {
        var call = await _channel.StartDuplexAsync(StreamResources, new GrpcCallOptions(CancellationToken: cancellationToken));
        return new Stream(call);
    }

    public void Dispose() => _channel.Dispose();

    private sealed class Stream(GrpcDuplexCall<DiscoveryRequest, DiscoveryResponse> call) : IDiscoveryStream
    {
        public Task SendAsync(DiscoveryRequest request, CancellationToken cancellationToken) => call.WriteAsync(request, cancellationToken);

        public IAsyncEnumerable<DiscoveryResponse> ReadAllAsync(CancellationToken cancellationToken) => call.ReadAllAsync(cancellationToken);

        public ValueTask DisposeAsync() => call.DisposeAsync();
    }
}
