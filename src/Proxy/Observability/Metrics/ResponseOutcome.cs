using Mesh.Proxy.Observability;
using Mesh.Proxy.Observability.Tracing;

namespace Mesh.Proxy.Observability.Metrics;

/// <summary>The per-response labels of a request: the key under which an edge keeps the series of one outcome.</summary>
internal readonly record struct ResponseOutcome(int ResponseCode, string GrpcStatus, string ResponseFlags);
