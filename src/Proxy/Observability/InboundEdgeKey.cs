// The identity of an inbound edge: who this workload is now, who called, and how.
using Mesh.Proxy.Observability.Metrics;
using Mesh.Proxy.Observability.Tracing;

namespace Mesh.Proxy.Observability;

/// <summary>Looks up a cached inbound edge without allocating: strings hash by content, the destination by reference.</summary>
internal readonly record struct InboundEdgeKey(InboundDestination Destination, string? PeerMetadata, string? PeerPrincipal, bool Grpc);
