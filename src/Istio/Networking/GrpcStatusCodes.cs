namespace Mesh.Istio.Networking;

/// <summary>gRPC's status names and codes (google.rpc.Code): the values an abort's grpcStatus may name.</summary>
public static class GrpcStatusCodes
{
    public static readonly IReadOnlyDictionary<string, uint> ByName = new Dictionary<string, uint>(StringComparer.Ordinal)
    {
        ["OK"] = 0, ["CANCELLED"] = 1, ["UNKNOWN"] = 2, ["INVALID_ARGUMENT"] = 3, ["DEADLINE_EXCEEDED"] = 4, ["NOT_FOUND"] = 5,
        ["ALREADY_EXISTS"] = 6, ["PERMISSION_DENIED"] = 7, ["RESOURCE_EXHAUSTED"] = 8, ["FAILED_PRECONDITION"] = 9, ["ABORTED"] = 10,
        ["OUT_OF_RANGE"] = 11, ["UNIMPLEMENTED"] = 12, ["INTERNAL"] = 13, ["UNAVAILABLE"] = 14, ["DATA_LOSS"] = 15, ["UNAUTHENTICATED"] = 16,
    };
}
