// Per-call settings on the client: deadline (sent as grpc-timeout), cancellation and extra request headers.
namespace Mesh.Grpc;

public readonly record struct GrpcCallOptions(
    TimeSpan? Timeout = null,
    CancellationToken CancellationToken = default,
    IReadOnlyDictionary<string, string>? Headers = null);
