// One client call over HTTP/2: sends the request, reads framed responses, and turns the outcome into a gRPC status.
using System.Buffers;
using System.IO.Pipelines;
using Google.Protobuf;

namespace Mesh.Grpc.Internal;

internal sealed class GrpcClientCall<TRequest, TResponse> : IDisposable
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private readonly GrpcChannel _channel;
    private readonly GrpcMethod<TRequest, TResponse> _method;
    private readonly GrpcCallOptions _options;
    // Never disposed on purpose: it owns no timer, and callbacks may still cancel it after the call is gone.
    private readonly CancellationTokenSource _callSource = new();
    private readonly CancellationTokenRegistration _userRegistration;
    private readonly CancellationTokenRegistration _cancelRegistration;
    private readonly ITimer? _deadlineTimer;
    private HttpRequestMessage? _request;
    private Task<HttpResponseMessage>? _sendTask;
    private HttpResponseMessage? _response;
    private PipeReader? _responseReader;
    private DuplexRequestContent? _duplexContent;
    private volatile bool _deadlineExceeded;
    private volatile bool _finished;
    private volatile GrpcException? _failure;
    private volatile bool _requestsCompleted;
    private int _writing;

    public GrpcClientCall(GrpcChannel channel, GrpcMethod<TRequest, TResponse> method, GrpcCallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        _cancelRegistration = _callSource.Token.UnsafeRegister(static state => ((GrpcClientCall<TRequest, TResponse>)state!).OnCancelled(), this);
        if (options.Timeout is { } timeout)
        {
            if (timeout <= TimeSpan.Zero)
            {
                OnDeadline();
            }
            else if (timeout < GrpcTimeout.MaxTimerDelay)
            {
                _deadlineTimer = channel.TimeProvider.CreateTimer(
                    static state => ((GrpcClientCall<TRequest, TResponse>)state!).OnDeadline(), this, timeout, Timeout.InfiniteTimeSpan);
            }
        }

        if (options.CancellationToken.CanBeCanceled)
        {
            _userRegistration = options.CancellationToken.UnsafeRegister(static state => ((GrpcClientCall<TRequest, TResponse>)state!).Cancel(), this);
        }
    }

    public async Task<TResponse> UnaryAsync(TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfCancelled();
        var size = request.CalculateSize();
        GrpcMessageLimits.ThrowIfTooLargeToSend(size, _channel.MaxSendMessageSize);
        Start(new UnaryRequestContent(request, size));
        var response = await ReadNextAsync().ConfigureAwait(false)
            ?? throw Fail(new GrpcException(GrpcStatusCode.Internal, "The call ended with status OK but without a response message."));
        if (await ReadNextAsync().ConfigureAwait(false) is not null)
        {
            Cancel();
            throw Fail(new GrpcException(GrpcStatusCode.Internal, "The server sent more than one response message for a unary call."));
        }

        return response;
    }

    public async Task StartDuplexAsync()
    {
        ThrowIfCancelled();
        _duplexContent = new DuplexRequestContent();
        Start(_duplexContent);
        var first = await Task.WhenAny(_duplexContent.StreamReady, _sendTask!).ConfigureAwait(false);
        if (first == _sendTask && !_sendTask.IsCompletedSuccessfully)
        {
            // Connection refused, cancelled or timed out before the request went out: say so now rather than on first use.
            await ReadResponseHeadersAsync().ConfigureAwait(false);
        }
    }

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            throw new InvalidOperationException("Cannot write the message: a write is already in progress.");
        }

        byte[]? buffer = null;
        try
        {
            ThrowIfWritesEnded();
            var size = message.CalculateSize();
            GrpcMessageLimits.ThrowIfTooLargeToSend(size, _channel.MaxSendMessageSize);
            using var registration = cancellationToken.CanBeCanceled
                ? cancellationToken.UnsafeRegister(static state => ((GrpcClientCall<TRequest, TResponse>)state!).Cancel(), this)
                : default;
            try
            {
                var stream = await _duplexContent!.StreamReady.WaitAsync(_callSource.Token).ConfigureAwait(false);
                var length = GrpcFraming.HeaderSize + size;
                buffer = ArrayPool<byte>.Shared.Rent(length);
                GrpcFraming.WriteFrame(buffer.AsSpan(0, length), message, size);
                await stream.WriteAsync(buffer.AsMemory(0, length), _callSource.Token).ConfigureAwait(false);
                await stream.FlushAsync(_callSource.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not GrpcException)
            {
                // The reader learns the final status from the trailers; a writer only learns that the stream is gone.
                throw ToGrpcException(ex);
            }
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            Volatile.Write(ref _writing, 0);
        }
    }

    public Task CompleteRequestsAsync()
    {
        if (Volatile.Read(ref _writing) == 1)
        {
            throw new InvalidOperationException("Cannot complete the requests: a write is already in progress.");
        }

        _requestsCompleted = true;
        _duplexContent!.CompleteRequests();
        return Task.CompletedTask;
    }

    /// <summary>The next response message; null once the server ended the call with OK; throws for any other status.</summary>
    public async ValueTask<TResponse?> ReadNextAsync()
    {
        var reader = await ReadResponseHeadersAsync().ConfigureAwait(false);
        if (reader is null)
        {
            return null;
        }

        TResponse? message;
        try
        {
            message = await GrpcMessageReader.ReadMessageAsync(reader, _method.ResponseParser, _channel.MaxReceiveMessageSize, _callSource.Token).ConfigureAwait(false);
        }
        catch (GrpcException ex) when (!_callSource.IsCancellationRequested)
        {
            // A bad frame from the server: reset the stream, the rest of it cannot be trusted.
            var failure = Fail(ex);
            Cancel();
            throw failure;
        }
        catch (Exception ex)
        {
            throw Fail(ToGrpcException(ex));
        }

        if (message is not null)
        {
            return message;
        }

        var status = GrpcResponseStatus.FromHeaders(_response!.TrailingHeaders)
            ?? new GrpcException(GrpcStatusCode.Internal, "Bad gRPC response: no grpc-status in the response trailers.");
        var error = Finish(status);
        if (error is not null)
        {
            throw error;
        }

        return null;
    }

    /// <summary>Cancels the call: the HTTP/2 stream is reset (RST_STREAM) and pending reads and writes fail with CANCELLED.</summary>
    public void Cancel()
    {
        if (!_finished)
        {
            _callSource.Cancel();
        }
    }

    public void Dispose()
    {
        Cancel();
        _deadlineTimer?.Dispose();
        _userRegistration.Dispose();
        _cancelRegistration.Dispose();
        _duplexContent?.Abort(new ObjectDisposedException(nameof(GrpcDuplexCall<TRequest, TResponse>)));
        _responseReader?.Complete();
        _response?.Dispose();
        _request?.Dispose();
    }

    private void Start(HttpContent content)
    {
        _request = GrpcRequestFactory.Create(_channel.CreateUri(_method.FullName), content, _options);
        _sendTask = _channel.Invoker.SendAsync(_request, _callSource.Token);
    }

    /// <summary>The reader over the response body, or null when the call already has its final OK status (trailers-only).</summary>
    private async ValueTask<PipeReader?> ReadResponseHeadersAsync()
    {
        if (_finished)
        {
            return _failure is { } failure ? throw failure : null;
        }

        if (_responseReader is not null)
        {
            return _responseReader;
        }

        HttpResponseMessage response;
        Stream body;
        try
        {
            response = await _sendTask!.ConfigureAwait(false);
            Volatile.Write(ref _response, response);
            _callSource.Token.ThrowIfCancellationRequested();
            if (GrpcResponseStatus.FromResponseHeaders(response) is { } headerStatus)
            {
                return Finish(headerStatus) is { } error ? throw error : null;
            }

            body = await response.Content.ReadAsStreamAsync(_callSource.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not GrpcException)
        {
            throw Fail(ToGrpcException(ex));
        }

        _responseReader = PipeReader.Create(body);
        return _responseReader;
    }

    /// <summary>Records the call's final status once; returns the exception to throw, or null for OK.</summary>
    private GrpcException? Finish(GrpcException status)
    {
        if (!_finished)
        {
            _failure = status.Status == GrpcStatusCode.OK ? null : status;
            _finished = true;
            _deadlineTimer?.Dispose();
        }

        return _failure;
    }

    /// <summary>Records a non-OK final status (or keeps the one already recorded) and returns what to throw.</summary>
    private GrpcException Fail(GrpcException error) => Finish(error) ?? error;

    private GrpcException ToGrpcException(Exception ex)
    {
        if (_failure is { } failure)
        {
            return failure;
        }

        if (_deadlineExceeded)
        {
            return new GrpcException(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded", ex);
        }

        if (_callSource.IsCancellationRequested)
        {
            return new GrpcException(GrpcStatusCode.Cancelled, "Call cancelled by the client.", ex);
        }

        return GrpcTransportErrors.ToGrpcException(ex);
    }

    private void ThrowIfCancelled()
    {
        if (_callSource.IsCancellationRequested)
        {
            throw Fail(ToGrpcException(new OperationCanceledException(_callSource.Token)));
        }
    }

    private void ThrowIfWritesEnded()
    {
        if (_requestsCompleted)
        {
            throw new InvalidOperationException("Cannot write the message: the requests were already completed (half-closed).");
        }

        if (_finished)
        {
            throw (Exception?)_failure ?? new InvalidOperationException("Cannot write the message: the call is complete.");
        }

        if (_callSource.IsCancellationRequested)
        {
            throw ToGrpcException(new OperationCanceledException(_callSource.Token));
        }
    }

    private void OnDeadline()
    {
        _deadlineExceeded = true;
        Cancel();
    }

    private void OnCancelled()
    {
        // Disposing an unfinished response resets the HTTP/2 stream even when no read is pending.
        _duplexContent?.Abort(new OperationCanceledException(_callSource.Token));
        Volatile.Read(ref _response)?.Dispose();
    }
}
