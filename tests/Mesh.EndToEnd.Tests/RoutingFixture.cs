namespace Mesh.EndToEnd.Tests;

/// <summary>One demo mesh shared by the tests that only send traffic and change nothing.</summary>
public sealed class RoutingFixture : IAsyncLifetime
{
    internal MeshRun Run { get; private set; } = null!;

    public async Task InitializeAsync() => Run = await MeshRun.StartAsync();

    public async Task DisposeAsync() => await Run.DisposeAsync();
}
