// The incoming half of a streaming call: messages in arrival order until the peer half-closes.
namespace Mesh.Grpc;

public interface IGrpcStreamReader<T>
{
    IAsyncEnumerable<T> ReadAllAsync(CancellationToken cancellationToken = default);
}
