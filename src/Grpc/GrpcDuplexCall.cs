// A client bidirectional stream: write requests, half-close, and read responses until the server's final status.
using System.Runtime.CompilerServices;
using Google.Protobuf;
using Mesh.Grpc.Internal;

namespace Mesh.Grpc;

/// <summary>Disposing the call cancels it (RST_STREAM) unless the server already ended it.</summary>
public sealed class GrpcDuplexCall<TRequest, TResponse> : IAsyncDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcClientCall<TRequest, TResponse> _call;
    private int _reading;

    internal GrpcDuplexCall(GrpcClientCall<TRequest, TResponse> call)
    {
        _call = call;
    }

    /// <summary>Sends one message; one write at a time (a second concurrent write throws InvalidOperationException). Cancelling the token cancels the call.</summary>
    public Task WriteAsync(TRequest message, CancellationToken cancellationToken = default) => _call.WriteAsync(message, cancellationToken);

    /// <summary>Half-closes: the server's reader ends; responses keep coming.</summary>
    public Task CompleteRequestsAsync() => _call.CompleteRequestsAsync();

    /// <summary>Ends when the server ends the call with OK; throws GrpcException otherwise. Cancelling the token cancels the call.</summary>
    public IAsyncEnumerable<TResponse> ReadAllAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _reading, 1) == 1)
        {
            throw new InvalidOperationException("The response stream is already being read; it can be read only once.");
        }

        return ReadCoreAsync(cancellationToken);
    }

    public ValueTask DisposeAsync()
    {
        _call.Dispose();
        return ValueTask.CompletedTask;
    }

    private async IAsyncEnumerable<TResponse> ReadCoreAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((GrpcClientCall<TRequest, TResponse>)state!).Cancel(), _call)
            : default;
        while (await _call.ReadNextAsync().ConfigureAwait(false) is { } message)
        {
            yield return message;
        }
    }
}
