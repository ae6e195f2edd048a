namespace Mesh.Proxy.Observability.Metrics;

/// <summary>The fixed label values Istio uses: reporters, protocols, security policies, and the placeholders.</summary>
internal static class IstioLabelValues
{
    public const string Unknown = "unknown";

    public const string ReporterSource = "source";
    public const string ReporterDestination = "destination";

    public const string ProtocolHttp = "http";
    public const string ProtocolGrpc = "grpc";
    public const string ProtocolTcp = "tcp";

    public const string MutualTls = "mutual_tls";
    public const string NoSecurity = "none";

    /// <summary>Envoy's response flags when none is set.</summary>
    public const string NoResponseFlags = "-";

    /// <summary>Istio's value of grpc_response_status on a request that is not gRPC: empty, as Envoy emits it.</summary>
    public const string NoGrpcStatus = "";

    internal static string OrUnknown(string? value) => string.IsNullOrEmpty(value) ? Unknown : value;
}
