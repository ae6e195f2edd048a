using Mesh.Contracts.Discovery;

namespace Mesh.Proxy.Discovery;

/// <summary>One open discovery stream: requests go up, responses come down; disposing it ends the stream.</summary>
internal interface IDiscoveryStream : IAsyncDisposable
{
    Task SendAsync(DiscoveryRequest request, CancellationToken cancellationToken);

    IAsyncEnumerable<DiscoveryResponse> ReadAllAsync(CancellationToken cancellationToken);
}
