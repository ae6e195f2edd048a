namespace Mesh.Proxy.Model;

/// <summary>A route's fault injection (Envoy's fault filter): a delay and an abort, each on a share of requests.</summary>
internal sealed class FaultModel(TimeSpan delay, double delayPercent, double abortPercent, int abortHttpStatus, string? abortGrpcStatus)
{
    public TimeSpan Delay { get; } = delay;

    /// <summary>0 to 100.</summary>
    public double DelayPercent { get; } = delayPercent;

    /// <summary>0 to 100; 0: no abort.</summary>
    public double AbortPercent { get; } = abortPercent;

    /// <summary>The status an HTTP abort answers (200 for a gRPC abort).</summary>
    public int AbortHttpStatus { get; } = abortHttpStatus;

    /// <summary>The grpc-status header of a gRPC abort, as text; null for an HTTP abort.</summary>
    public string? AbortGrpcStatus { get; } = abortGrpcStatus;
}
