// What a server handler knows about the call it serves: cancellation, deadline and the HTTP request.
using Microsoft.AspNetCore.Http;

namespace Mesh.Grpc;

public sealed class GrpcServerCallContext
{
    internal GrpcServerCallContext(HttpContext httpContext, DateTimeOffset? deadline, CancellationToken cancellationToken)
    {
        HttpContext = httpContext;
        Deadline = deadline;
        CancellationToken = cancellationToken;
    }

    /// <summary>Fires on client cancel, deadline, or connection loss.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>When the client's grpc-timeout runs out; null when the client sent none.</summary>
    public DateTimeOffset? Deadline { get; }

    /// <summary>Headers, connection info and, with TLS, the client certificate.</summary>
    public HttpContext HttpContext { get; }
}
