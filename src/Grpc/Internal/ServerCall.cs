// One gRPC call on the server: admits or rejects the request, owns its deadline, and ends it with a status.
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Mesh.Grpc.Internal;

internal sealed class ServerCall : IDisposable
{
    private readonly HttpContext _httpContext;
    private readonly ServerMethod _method;
    private readonly CancellationTokenSource? _deadlineSource;
    private readonly CancellationTokenSource? _linkedSource;

    private ServerCall(HttpContext httpContext, ServerMethod method, TimeSpan? timeout)
    {
        _httpContext = httpContext;
        _method = method;
        var token = httpContext.RequestAborted;
        DateTimeOffset? deadline = null;
        if (timeout is { } value)
        {
            deadline = method.TimeProvider.GetUtcNow() + value;
            _deadlineSource = value < GrpcTimeout.MaxTimerDelay
                ? new CancellationTokenSource(value, method.TimeProvider)
                : new CancellationTokenSource();
            _linkedSource = CancellationTokenSource.CreateLinkedTokenSource(token, _deadlineSource.Token);
            token = _linkedSource.Token;
        }

        CancellationToken = token;
        Context = new GrpcServerCallContext(httpContext, deadline, token);
    }

    public GrpcServerCallContext Context { get; }

    /// <summary>Fires on client cancel, deadline, or connection loss.</summary>
    public CancellationToken CancellationToken { get; }

    public ServerMethod Method => _method;

    private bool DeadlineExceeded => _deadlineSource?.IsCancellationRequested == true;

    /// <summary>The call, or null when the request was answered with an error already (not HTTP/2, not gRPC, bad headers).</summary>
    public static ServerCall? TryStart(HttpContext httpContext, ServerMethod method)
    {
        var request = httpContext.Request;
        var response = httpContext.Response;
        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            GrpcLog.NotHttp2(method.Logger, method.FullName, request.Protocol);
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Upgrade = "h2c";
            WriteTrailersOnly(response, GrpcStatusCode.Internal, $"Request protocol '{request.Protocol}' is not supported: gRPC requires HTTP/2.");
            return null;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            GrpcLog.UnsupportedContentType(method.Logger, method.FullName, request.ContentType);
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            WriteTrailersOnly(response, GrpcStatusCode.Internal, $"Content-Type '{request.ContentType}' is not supported: gRPC requires application/grpc.");
            return null;
        }

        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length > 0 && !string.Equals(encoding, GrpcProtocol.IdentityEncoding, StringComparison.Ordinal))
        {
            GrpcLog.UnsupportedEncoding(method.Logger, method.FullName, encoding);
            response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.IdentityEncoding;
            WriteTrailersOnly(response, GrpcStatusCode.Unimplemented, $"Request grpc-encoding '{encoding}' is not supported: only identity (no compression).");
            return null;
        }

        TimeSpan? timeout = null;
        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                GrpcLog.MalformedTimeout(method.Logger, method.FullName, timeoutHeader);
                WriteTrailersOnly(response, GrpcStatusCode.Internal, $"Malformed grpc-timeout '{timeoutHeader}': expected up to 8 digits and a unit (H, M, S, m, u, n).");
                return null;
            }

            timeout = parsed;
        }

        // A call is a long-lived stream: Kestrel's whole-body size cap and minimum upload rate would cut idle duplex streams.
        if (httpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = null;
        }

        if (httpContext.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rateFeature)
        {
            rateFeature.MinDataRate = null;
        }

        response.ContentType = GrpcProtocol.ContentType;
        return new ServerCall(httpContext, method, timeout);
    }

    /// <summary>Ends a call whose handler completed; a deadline that passed meanwhile still wins.</summary>
    public void CompleteSuccessfully()
    {
        if (DeadlineExceeded)
        {
            GrpcLog.DeadlineExceeded(_method.Logger, _method.FullName);
            Complete(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded");
            return;
        }

        Complete(GrpcStatusCode.OK, string.Empty);
    }

    /// <summary>Ends a call whose handler or request stream failed, choosing the status the client should see.</summary>
    public void CompleteWithError(Exception exception)
    {
        if (DeadlineExceeded)
        {
            GrpcLog.DeadlineExceeded(_method.Logger, _method.FullName);
            Complete(GrpcStatusCode.DeadlineExceeded, "Deadline Exceeded");
        }
        else if (_httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client is gone (RST_STREAM or connection loss): nothing we write reaches it.
            GrpcLog.CallCancelled(_method.Logger, _method.FullName);
        }
        else if (exception is GrpcException grpcException)
        {
            GrpcLog.CallFailed(_method.Logger, _method.FullName, grpcException.Status, grpcException.Detail);
            Complete(grpcException.Status, grpcException.Detail);
        }
        else
        {
            GrpcLog.HandlerThrew(_method.Logger, _method.FullName, exception);
            Complete(GrpcStatusCode.Unknown, "Exception was thrown by handler.");
        }
    }

    /// <summary>Logs a fault in the request stream (bad frame, oversized message) where it is detected.</summary>
    public void ReportBadRequestStream(GrpcException exception)
        => GrpcLog.BadRequestStream(_method.Logger, _method.FullName, exception.Status, exception.Detail);

    public void Dispose()
    {
        _linkedSource?.Dispose();
        _deadlineSource?.Dispose();
    }

    private void Complete(GrpcStatusCode status, string detail)
    {
        var response = _httpContext.Response;
        if (!response.HasStarted)
        {
            WriteTrailersOnly(response, status, detail);
            return;
        }

        response.AppendTrailer(GrpcProtocol.StatusHeader, GrpcProtocol.StatusToString(status));
        if (detail.Length > 0)
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcStatusMessage.Encode(detail));
        }
    }

    /// <summary>A response of headers only: the status travels in the headers frame that also ends the stream.</summary>
    private static void WriteTrailersOnly(HttpResponse response, GrpcStatusCode status, string detail)
    {
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = GrpcProtocol.StatusToString(status);
        if (detail.Length > 0)
        {
            response.Headers[GrpcProtocol.MessageHeader] = GrpcStatusMessage.Encode(detail);
        }
    }
}
