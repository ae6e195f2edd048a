// Reads a call's final status from an HTTP/2 response: HTTP errors, non-gRPC answers, grpc-status in headers or trailers.
using System.Net;
using System.Net.Http.Headers;

namespace Mesh.Grpc.Internal;

internal static class GrpcResponseStatus
{
    /// <summary>A final status carried by the response headers (HTTP error, not gRPC, trailers-only), or null when messages follow.</summary>
    public static GrpcException? FromResponseHeaders(HttpResponseMessage response)
    {
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var detail = $"Bad gRPC response: HTTP status code {(int)response.StatusCode}.";
            if (FromHeaders(response.Headers) is { Detail.Length: > 0 } serverStatus)
            {
                detail += " " + serverStatus.Detail;
            }

            return new GrpcException(GrpcHttpStatus.ToGrpcStatus(response.StatusCode), detail);
        }

        var contentType = response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var values) ? values.ToString() : null;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            return new GrpcException(GrpcStatusCode.Internal, $"Bad gRPC response: content-type '{contentType}' is not application/grpc.");
        }

        return FromHeaders(response.Headers);
    }

    /// <summary>grpc-status and grpc-message from headers or trailers; a status of OK is returned as an exception with status OK.</summary>
    public static GrpcException? FromHeaders(HttpHeaders headers)
    {
        if (!headers.NonValidated.TryGetValues(GrpcProtocol.StatusHeader, out var statusValues))
        {
            return null;
        }

        var detail = headers.NonValidated.TryGetValues(GrpcProtocol.MessageHeader, out var messageValues)
            ? GrpcStatusMessage.Decode(messageValues.ToString())
            : string.Empty;
        var statusText = statusValues.ToString();
        return int.TryParse(statusText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code)
            ? new GrpcException((GrpcStatusCode)code, detail)
            : new GrpcException(GrpcStatusCode.Unknown, $"Bad gRPC response: grpc-status '{statusText}' is not a number. {detail}");
    }
}
