namespace Mesh.Proxy.Model;

/// <summary>Envoy's retry_on conditions that this proxy understands.</summary>
[Flags]
internal enum RetryConditions
{
    None = 0,
    FiveXx = 1 << 0,
    GatewayError = 1 << 1,
    ConnectFailure = 1 << 2,
    Reset = 1 << 3,
    RefusedStream = 1 << 4,
    RetriableStatusCodes = 1 << 5,
    Retriable4xx = 1 << 6,
    GrpcCancelled = 1 << 7,
    GrpcDeadlineExceeded = 1 << 8,
    GrpcInternal = 1 << 9,
    GrpcResourceExhausted = 1 << 10,
    GrpcUnavailable = 1 << 11,
}
