// The HTTP and gRPC edges of one upstream target, resolved on first use.
using Mesh.Proxy.Observability.Metrics;

namespace Mesh.Proxy.Observability;

/// <summary>Holds the two request edges (request_protocol http and grpc) that one endpoint, cluster or peer can have.</summary>
internal sealed class EdgePair
{
    public RequestEdge? Http;
    public RequestEdge? Grpc;
}
