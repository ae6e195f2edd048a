// The outgoing half of a streaming call; one write at a time.
namespace Mesh.Grpc;

public interface IGrpcStreamWriter<T>
{
    Task WriteAsync(T message, CancellationToken cancellationToken = default);
}
