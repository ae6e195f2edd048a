namespace Mesh.Proxy.Observability.Metrics;

/// <summary>Istio's standard metric labels, named and ordered as Istio's documentation lists them.</summary>
internal static class IstioLabelNames
{
    /// <summary>The 25 labels of the HTTP/gRPC metrics (requests, duration, request and response bytes).</summary>
    public static IReadOnlyList<string> Request => RequestArray;

    /// <summary>The TCP metrics carry the same labels except the per-request ones (response_code, grpc_response_status).</summary>
    public static IReadOnlyList<string> Tcp => TcpArray;

    internal static readonly string[] RequestArray =
    [
        "reporter",
        "source_workload",
        "source_workload_namespace",
        "source_principal",
        "source_app",
        "source_version",
        "source_canonical_service",
        "source_canonical_revision",
        "source_cluster",
        "destination_workload",
        "destination_workload_namespace",
        "destination_principal",
        "destination_app",
        "destination_version",
        "destination_service",
        "destination_service_name",
        "destination_service_namespace",
        "destination_canonical_service",
        "destination_canonical_revision",
        "destination_cluster",
        "request_protocol",
        "response_code",
        "grpc_response_status",
        "response_flags",
        "connection_security_policy",
    ];

    internal static readonly string[] TcpArray = Array.FindAll(
        RequestArray,
        static name => name is not ("response_code" or "grpc_response_status"));

    /// <summary>Positions of the per-request labels in <see cref="RequestArray"/>, filled per response outcome.</summary>
    internal const int ResponseCodeIndex = 21;
    internal const int GrpcStatusIndex = 22;
    internal const int ResponseFlagsIndex = 23;
}
