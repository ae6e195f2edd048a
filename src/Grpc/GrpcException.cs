// A gRPC call that ended with a non-OK status, on either side of the wire.
namespace Mesh.Grpc;

/// <summary>
/// Thrown by a server handler to end a call with that status; thrown by the client when a call ends with a non-OK status.
/// </summary>
public sealed class GrpcException : Exception
{
    public GrpcException(GrpcStatusCode status, string detail)
        : base($"gRPC status {status}: {detail}")
    {
        Status = status;
        Detail = detail ?? string.Empty;
    }

    public GrpcException(GrpcStatusCode status, string detail, Exception innerException)
        : base($"gRPC status {status}: {detail}", innerException)
    {
        Status = status;
        Detail = detail ?? string.Empty;
    }

    public GrpcStatusCode Status { get; }

    /// <summary>The status message (grpc-message), already percent-decoded.</summary>
    public string Detail { get; }
}
