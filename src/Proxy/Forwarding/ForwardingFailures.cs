using System.Net.Http;
using System.Net.Sockets;
using Mesh.Proxy.Model;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Proxy.Forwarding;

/// <summary>
/// Reads a failed attempt's YARP error for whose side failed: the client's (a malformed body, a connection gone:
/// never retried, never an upstream 5xx) or the upstream's, and how.
/// </summary>
internal static class ForwardingFailures
{
    /// <summary>True when YARP failed reading from or writing to the client rather than the upstream.</summary>
    public static bool IsDownstream(ForwarderError error) => error is ForwarderError.RequestBodyClient or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestClient or ForwarderError.UpgradeResponseClient;

    /// <summary>
    /// YARP errors that mean a bug or an unproxyable response rather than an upstream going away: the request could
    /// not be built, or the response headers could not be copied. They are logged with their stack.
    /// </summary>
    public static bool IsUnexpected(ForwarderError error) => error is ForwarderError.RequestCreation or ForwarderError.ResponseHeaders;

    /// <summary>The server's verdict that the client broke the protocol (a malformed chunked body, for one), if that is what failed.</summary>
    public static BadHttpRequestException? ProtocolError(Exception? exception)
    {
        // YARP wraps a body failure with the error it caused in an AggregateException, whose InnerException is the first.
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is BadHttpRequestException badRequest)
            {
                return badRequest;
            }
        }

        return null;
    }

    /// <summary>What kind of upstream failure an exception is, for the retry policy.</summary>
    public static UpstreamFailure Classify(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            switch (exception)
            {
                case HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError }:
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.TimedOut or SocketError.HostUnreachable }:
                    return UpstreamFailure.ConnectFailure;
                case HttpProtocolException { ErrorCode: 0x7 }:
                    return UpstreamFailure.RefusedStream;
            }
        }

        return UpstreamFailure.Reset;
    }

    /// <summary>The innermost message of an exception: one line for a log, without the stack.</summary>
    public static string Reason(Exception? exception)
    {
        if (exception is null)
        {
            return "-";
        }

        while (exception.InnerException is not null)
        {
            exception = exception.InnerException;
        }

        // Some messages span lines: ObjectDisposedException's puts "Object name: ..." on a line of its own.
        var message = exception.Message;
        return message.Contains('\n') ? message.ReplaceLineEndings(" ") : message;
    }

    public static string Describe(UpstreamFailure failure) => failure switch
    {
        UpstreamFailure.ConnectFailure => "connection failure",
        UpstreamFailure.RefusedStream => "refused stream",
        UpstreamFailure.PerTryTimeout => "per-try timeout",
        _ => "reset before the response",
    };
}
