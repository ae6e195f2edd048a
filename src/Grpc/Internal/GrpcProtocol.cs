// Names and values of the gRPC-over-HTTP/2 wire protocol, kept in one place.
namespace Mesh.Grpc.Internal;

internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string IdentityEncoding = "identity";

    /// <summary>"application/grpc", "application/grpc+proto", either with parameters; not +json or other codecs, which we do not speak.</summary>
    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = contentType.AsSpan(ContentType.Length);
        if (rest.StartsWith("+proto", StringComparison.OrdinalIgnoreCase))
        {
            rest = rest[6..];
        }

        return rest.IsEmpty || rest[0] == ';';
    }

    /// <summary>Status codes as text without allocating for the codes that exist.</summary>
    public static string StatusToString(GrpcStatusCode status) => status switch
    {
        GrpcStatusCode.OK => "0",
        GrpcStatusCode.Cancelled => "1",
        GrpcStatusCode.Unknown => "2",
        GrpcStatusCode.InvalidArgument => "3",
        GrpcStatusCode.DeadlineExceeded => "4",
        GrpcStatusCode.NotFound => "5",
        GrpcStatusCode.AlreadyExists => "6",
        GrpcStatusCode.PermissionDenied => "7",
        GrpcStatusCode.ResourceExhausted => "8",
        GrpcStatusCode.FailedPrecondition => "9",
        GrpcStatusCode.Aborted => "10",
        GrpcStatusCode.OutOfRange => "11",
        GrpcStatusCode.Unimplemented => "12",
        GrpcStatusCode.Internal => "13",
        GrpcStatusCode.Unavailable => "14",
        GrpcStatusCode.DataLoss => "15",
        GrpcStatusCode.Unauthenticated => "16",
        _ => ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
