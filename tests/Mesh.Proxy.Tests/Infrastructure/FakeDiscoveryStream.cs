using System.Threading.Channels;
using Mesh.Contracts.Discovery;
using Mesh.Proxy.Discovery;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>One discovery stream seen from the control plane's side: push responses, read the proxy's requests, break it.</summary>
internal sealed class FakeDiscoveryStream : IDiscoveryStream
{
    private readonly Channel<DiscoveryRequest> _requests = Channel.CreateUnbounded<DiscoveryRequest>();
    private readonly Channel<DiscoveryResponse> _responses = Channel.CreateUnbounded<DiscoveryResponse>();

    public Task SendAsync(DiscoveryRequest request, CancellationToken cancellationToken) => _requests.Writer.WriteAsync(request, cancellationToken).AsTask();

    public IAsyncEnumerable<DiscoveryResponse> ReadAllAsync(CancellationToken cancellationToken) => _responses.Reader.ReadAllAsync(cancellationToken);

    public ValueTask DisposeAsync()
    {
        _responses.Writer.TryComplete();
        return ValueTask.CompletedTask;
    }

    public async Task<DiscoveryRequest> NextRequestAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _requests.Reader.ReadAsync(timeout.Token);
    }

    /// <summary>Sends a response and returns the proxy's answer to it (ACK or NACK).</summary>
    public async Task<DiscoveryRequest> PushAsync(DiscoveryResponse response)
    {
        _responses.Writer.TryWrite(response);
        var answer = await NextRequestAsync();
        Assert.Equal(response.Nonce, answer.ResponseNonce);
        return answer;
    }

    /// <summary>The control plane goes away: the proxy sees its stream fail.</summary>
    public void Break() => _responses.Writer.TryComplete(new IOException("control plane went away"));
}
