namespace Mesh.ControlPlane.Tests.Discovery;

/// <summary>Tests against a real control plane over TLS, one per test, with a deadline on what each test waits for.</summary>
public abstract class SecuredControlPlaneTests : IAsyncLifetime
{
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromSeconds(30));

    internal SecuredControlPlane ControlPlane { get; private set; } = null!;

    /// <summary>Cancelled 30 s after the test started.</summary>
    protected CancellationToken Timeout => _timeout.Token;

    public async Task InitializeAsync() => ControlPlane = await SecuredControlPlane.StartAsync();

    public async Task DisposeAsync()
    {
        await ControlPlane.DisposeAsync();
        _timeout.Dispose();
    }
}
