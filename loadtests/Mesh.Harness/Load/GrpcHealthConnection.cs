using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Mesh.Harness.Load;

/// <summary>
/// gRPC unary calls to the standard health service (grpc.health.v1.Health/Check), which any gRPC server can serve
/// with one line: the smallest real unary call, with the protobuf, framing and trailers of any other. One channel per
/// run, so the slots are concurrent streams on its HTTP/2 connection.
/// </summary>
internal sealed class GrpcHealthConnection(Health.HealthClient client) : ILoadConnection
{
    private static readonly HealthCheckRequest Request = new();

    public static GrpcChannel CreateChannel(LoadTarget target, int connections) =>
        GrpcChannel.ForAddress(target.Url, new GrpcChannelOptions { HttpHandler = HttpClientConnection.CreateHandler(connections) });

    public async ValueTask<bool> SendAsync(CancellationToken cancellationToken)
    {
        var reply = await client.CheckAsync(Request, cancellationToken: cancellationToken);
        return reply.Status == HealthCheckResponse.Types.ServingStatus.Serving;
    }

    public ValueTask ResetAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
