namespace Mesh.Harness;

/// <summary>Two external proxies in a row, the client side's first: stopped together.</summary>
internal sealed class ExternalProxyPair(ExternalProxy client, ExternalProxy server) : IAsyncDisposable
{
    public ExternalProxy Client { get; } = client;

    public ExternalProxy Server { get; } = server;

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        await Server.DisposeAsync();
    }
}
