namespace Mesh.Proxy.Discovery;

/// <summary>Opens discovery streams to the control plane (gRPC in production, in-memory in tests).</summary>
internal interface IDiscoveryTransport
{
    Task<IDiscoveryStream> ConnectAsync(CancellationToken cancellationToken);
}
