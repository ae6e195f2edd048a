namespace Mesh.EndToEnd.Tests;

/// <summary>
/// One demo mesh for the mutual TLS tests: auto mTLS everywhere, and a PeerAuthentication that makes backend v1's
/// inbound port STRICT while backend v2 keeps the default, PERMISSIVE.
/// </summary>
public sealed class MutualTlsFixture : IAsyncLifetime
{
    public const string StrictBackendV1 = """
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata: { name: backend-v1-strict, namespace: default }
        spec:
          selector: { matchLabels: { app: backend, version: v1 } }
          mtls: { mode: STRICT }
        """;

    internal MeshRun Run { get; private set; } = null!;

    internal string Scratch { get; } = Path.Combine(Path.GetTempPath(), "mesh-mtls-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Scratch);
        Run = await MeshRun.StartAsync(configOverrides: new Dictionary<string, string> { ["peer-authentication.yaml"] = StrictBackendV1 });
    }

    public async Task DisposeAsync()
    {
        await Run.DisposeAsync();
        Directory.Delete(Scratch, recursive: true);
    }
}
