using System.Threading.Channels;
using Mesh.Proxy.Discovery;

namespace Mesh.Proxy.Tests.Infrastructure;

/// <summary>An in-memory control plane connection: each connect opens a <see cref="FakeDiscoveryStream"/> the test drives.</summary>
internal sealed class FakeDiscoveryTransport : IDiscoveryTransport
{
    private readonly Channel<FakeDiscoveryStream> _streams = Channel.CreateUnbounded<FakeDiscoveryStream>();

    public Task<IDiscoveryStream> ConnectAsync(CancellationToken cancellationToken)
    {
        var stream = new FakeDiscoveryStream();
        _streams.Writer.TryWrite(stream);
        return Task.FromResult<IDiscoveryStream>(stream);
    }

    public async Task<FakeDiscoveryStream> NextStreamAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _streams.Reader.ReadAsync(timeout.Token);
    }
}
