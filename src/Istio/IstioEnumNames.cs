using Mesh.Istio.Networking;
using Mesh.Istio.Observability;
using Mesh.Istio.Security;

namespace Mesh.Istio;

/// <summary>Converts between Istio's enum value names ("ROUND_ROBIN") and the model's enums, both ways.</summary>
public static class IstioEnumNames
{
    internal const string SimpleLBValues = "\"UNSPECIFIED\", \"LEAST_CONN\", \"RANDOM\", \"PASSTHROUGH\", \"ROUND_ROBIN\", \"LEAST_REQUEST\"";

    internal static SimpleLB? ParseSimpleLB(string text) => text switch
    {
        "UNSPECIFIED" => SimpleLB.Unspecified,
        "LEAST_CONN" => SimpleLB.LeastConn,
        "RANDOM" => SimpleLB.Random,
        "PASSTHROUGH" => SimpleLB.Passthrough,
        "ROUND_ROBIN" => SimpleLB.RoundRobin,
        "LEAST_REQUEST" => SimpleLB.LeastRequest,
        _ => null,
    };

    public static string Name(SimpleLB value) => value switch
    {
        SimpleLB.Unspecified => "UNSPECIFIED",
        SimpleLB.LeastConn => "LEAST_CONN",
        SimpleLB.Random => "RANDOM",
        SimpleLB.Passthrough => "PASSTHROUGH",
        SimpleLB.RoundRobin => "ROUND_ROBIN",
        SimpleLB.LeastRequest => "LEAST_REQUEST",
        _ => value.ToString(),
    };

    internal const string H2UpgradePolicyValues = "\"DEFAULT\", \"DO_NOT_UPGRADE\", \"UPGRADE\"";

    internal static H2UpgradePolicy? ParseH2UpgradePolicy(string text) => text switch
    {
        "DEFAULT" => H2UpgradePolicy.Default,
        "DO_NOT_UPGRADE" => H2UpgradePolicy.DoNotUpgrade,
        "UPGRADE" => H2UpgradePolicy.Upgrade,
        _ => null,
    };

    public static string Name(H2UpgradePolicy value) => value switch
    {
        H2UpgradePolicy.Default => "DEFAULT",
        H2UpgradePolicy.DoNotUpgrade => "DO_NOT_UPGRADE",
        H2UpgradePolicy.Upgrade => "UPGRADE",
        _ => value.ToString(),
    };

    internal const string ClientTlsModeValues = "\"DISABLE\", \"SIMPLE\", \"MUTUAL\", \"ISTIO_MUTUAL\"";

    internal static ClientTlsMode? ParseClientTlsMode(string text) => text switch
    {
        "DISABLE" => ClientTlsMode.Disable,
        "SIMPLE" => ClientTlsMode.Simple,
        "MUTUAL" => ClientTlsMode.Mutual,
        "ISTIO_MUTUAL" => ClientTlsMode.IstioMutual,
        _ => null,
    };

    public static string Name(ClientTlsMode value) => value switch
    {
        ClientTlsMode.Disable => "DISABLE",
        ClientTlsMode.Simple => "SIMPLE",
        ClientTlsMode.Mutual => "MUTUAL",
        ClientTlsMode.IstioMutual => "ISTIO_MUTUAL",
        _ => value.ToString(),
    };

    internal const string ServerTlsModeValues = "\"PASSTHROUGH\", \"SIMPLE\", \"MUTUAL\", \"AUTO_PASSTHROUGH\", \"ISTIO_MUTUAL\", \"OPTIONAL_MUTUAL\"";

    internal static ServerTlsMode? ParseServerTlsMode(string text) => text switch
    {
        "PASSTHROUGH" => ServerTlsMode.Passthrough,
        "SIMPLE" => ServerTlsMode.Simple,
        "MUTUAL" => ServerTlsMode.Mutual,
        "AUTO_PASSTHROUGH" => ServerTlsMode.AutoPassthrough,
        "ISTIO_MUTUAL" => ServerTlsMode.IstioMutual,
        "OPTIONAL_MUTUAL" => ServerTlsMode.OptionalMutual,
        _ => null,
    };

    public static string Name(ServerTlsMode value) => value switch
    {
        ServerTlsMode.Passthrough => "PASSTHROUGH",
        ServerTlsMode.Simple => "SIMPLE",
        ServerTlsMode.Mutual => "MUTUAL",
        ServerTlsMode.AutoPassthrough => "AUTO_PASSTHROUGH",
        ServerTlsMode.IstioMutual => "ISTIO_MUTUAL",
        ServerTlsMode.OptionalMutual => "OPTIONAL_MUTUAL",
        _ => value.ToString(),
    };

    internal const string TlsProtocolValues = "\"TLS_AUTO\", \"TLSV1_0\", \"TLSV1_1\", \"TLSV1_2\", \"TLSV1_3\"";

    internal static TlsProtocol? ParseTlsProtocol(string text) => text switch
    {
        "TLS_AUTO" => TlsProtocol.TlsAuto,
        "TLSV1_0" => TlsProtocol.TlsV1_0,
        "TLSV1_1" => TlsProtocol.TlsV1_1,
        "TLSV1_2" => TlsProtocol.TlsV1_2,
        "TLSV1_3" => TlsProtocol.TlsV1_3,
        _ => null,
    };

    public static string Name(TlsProtocol value) => value switch
    {
        TlsProtocol.TlsAuto => "TLS_AUTO",
        TlsProtocol.TlsV1_0 => "TLSV1_0",
        TlsProtocol.TlsV1_1 => "TLSV1_1",
        TlsProtocol.TlsV1_2 => "TLSV1_2",
        TlsProtocol.TlsV1_3 => "TLSV1_3",
        _ => value.ToString(),
    };

    internal const string ServiceEntryLocationValues = "\"MESH_EXTERNAL\", \"MESH_INTERNAL\"";

    internal static ServiceEntryLocation? ParseServiceEntryLocation(string text) => text switch
    {
        "MESH_EXTERNAL" => ServiceEntryLocation.MeshExternal,
        "MESH_INTERNAL" => ServiceEntryLocation.MeshInternal,
        _ => null,
    };

    public static string Name(ServiceEntryLocation value) => value switch
    {
        ServiceEntryLocation.MeshExternal => "MESH_EXTERNAL",
        ServiceEntryLocation.MeshInternal => "MESH_INTERNAL",
        _ => value.ToString(),
    };

    internal const string ServiceEntryResolutionValues = "\"NONE\", \"STATIC\", \"DNS\", \"DNS_ROUND_ROBIN\", \"DYNAMIC_DNS\"";

    internal static ServiceEntryResolution? ParseServiceEntryResolution(string text) => text switch
    {
        "NONE" => ServiceEntryResolution.None,
        "STATIC" => ServiceEntryResolution.Static,
        "DNS" => ServiceEntryResolution.Dns,
        "DNS_ROUND_ROBIN" => ServiceEntryResolution.DnsRoundRobin,
        "DYNAMIC_DNS" => ServiceEntryResolution.DynamicDns,
        _ => null,
    };

    public static string Name(ServiceEntryResolution value) => value switch
    {
        ServiceEntryResolution.None => "NONE",
        ServiceEntryResolution.Static => "STATIC",
        ServiceEntryResolution.Dns => "DNS",
        ServiceEntryResolution.DnsRoundRobin => "DNS_ROUND_ROBIN",
        ServiceEntryResolution.DynamicDns => "DYNAMIC_DNS",
        _ => value.ToString(),
    };

    internal const string RedirectPortSelectionValues = "\"FROM_PROTOCOL_DEFAULT\", \"FROM_REQUEST_PORT\"";

    internal static RedirectPortSelection? ParseRedirectPortSelection(string text) => text switch
    {
        "FROM_PROTOCOL_DEFAULT" => RedirectPortSelection.FromProtocolDefault,
        "FROM_REQUEST_PORT" => RedirectPortSelection.FromRequestPort,
        _ => null,
    };

    public static string Name(RedirectPortSelection value) => value switch
    {
        RedirectPortSelection.FromProtocolDefault => "FROM_PROTOCOL_DEFAULT",
        RedirectPortSelection.FromRequestPort => "FROM_REQUEST_PORT",
        _ => value.ToString(),
    };

    internal const string UnmatchedPreflightsValues = "\"UNSPECIFIED\", \"FORWARD\", \"IGNORE\"";

    internal static UnmatchedPreflights? ParseUnmatchedPreflights(string text) => text switch
    {
        "UNSPECIFIED" => UnmatchedPreflights.Unspecified,
        "FORWARD" => UnmatchedPreflights.Forward,
        "IGNORE" => UnmatchedPreflights.Ignore,
        _ => null,
    };

    public static string Name(UnmatchedPreflights value) => value switch
    {
        UnmatchedPreflights.Unspecified => "UNSPECIFIED",
        UnmatchedPreflights.Forward => "FORWARD",
        UnmatchedPreflights.Ignore => "IGNORE",
        _ => value.ToString(),
    };

    internal const string ProxyProtocolVersionValues = "\"V1\", \"V2\"";

    internal static ProxyProtocolVersion? ParseProxyProtocolVersion(string text) => text switch
    {
        "V1" => ProxyProtocolVersion.V1,
        "V2" => ProxyProtocolVersion.V2,
        _ => null,
    };

    public static string Name(ProxyProtocolVersion value) => value switch
    {
        ProxyProtocolVersion.V1 => "V1",
        ProxyProtocolVersion.V2 => "V2",
        _ => value.ToString(),
    };

    internal const string MutualTlsModeValues = "\"UNSET\", \"DISABLE\", \"PERMISSIVE\", \"STRICT\"";

    internal static MutualTlsMode? ParseMutualTlsMode(string text) => text switch
    {
        "UNSET" => MutualTlsMode.Unset,
        "DISABLE" => MutualTlsMode.Disable,
        "PERMISSIVE" => MutualTlsMode.Permissive,
        "STRICT" => MutualTlsMode.Strict,
        _ => null,
    };

    public static string Name(MutualTlsMode value) => value switch
    {
        MutualTlsMode.Unset => "UNSET",
        MutualTlsMode.Disable => "DISABLE",
        MutualTlsMode.Permissive => "PERMISSIVE",
        MutualTlsMode.Strict => "STRICT",
        _ => value.ToString(),
    };

    internal const string AuthorizationPolicyActionValues = "\"ALLOW\", \"DENY\", \"AUDIT\", \"CUSTOM\"";

    internal static AuthorizationPolicyAction? ParseAuthorizationPolicyAction(string text) => text switch
    {
        "ALLOW" => AuthorizationPolicyAction.Allow,
        "DENY" => AuthorizationPolicyAction.Deny,
        "AUDIT" => AuthorizationPolicyAction.Audit,
        "CUSTOM" => AuthorizationPolicyAction.Custom,
        _ => null,
    };

    public static string Name(AuthorizationPolicyAction value) => value switch
    {
        AuthorizationPolicyAction.Allow => "ALLOW",
        AuthorizationPolicyAction.Deny => "DENY",
        AuthorizationPolicyAction.Audit => "AUDIT",
        AuthorizationPolicyAction.Custom => "CUSTOM",
        _ => value.ToString(),
    };

    internal const string CaptureModeValues = "\"DEFAULT\", \"IPTABLES\", \"NONE\"";

    internal static CaptureMode? ParseCaptureMode(string text) => text switch
    {
        "DEFAULT" => CaptureMode.Default,
        "IPTABLES" => CaptureMode.Iptables,
        "NONE" => CaptureMode.None,
        _ => null,
    };

    public static string Name(CaptureMode value) => value switch
    {
        CaptureMode.Default => "DEFAULT",
        CaptureMode.Iptables => "IPTABLES",
        CaptureMode.None => "NONE",
        _ => value.ToString(),
    };

    internal const string OutboundTrafficModeValues = "\"REGISTRY_ONLY\", \"ALLOW_ANY\"";

    internal static OutboundTrafficMode? ParseOutboundTrafficMode(string text) => text switch
    {
        "REGISTRY_ONLY" => OutboundTrafficMode.RegistryOnly,
        "ALLOW_ANY" => OutboundTrafficMode.AllowAny,
        _ => null,
    };

    public static string Name(OutboundTrafficMode value) => value switch
    {
        OutboundTrafficMode.RegistryOnly => "REGISTRY_ONLY",
        OutboundTrafficMode.AllowAny => "ALLOW_ANY",
        _ => value.ToString(),
    };

    internal const string WorkloadModeValues = "\"CLIENT_AND_SERVER\", \"CLIENT\", \"SERVER\"";

    internal static WorkloadMode? ParseWorkloadMode(string text) => text switch
    {
        "CLIENT_AND_SERVER" => WorkloadMode.ClientAndServer,
        "CLIENT" => WorkloadMode.Client,
        "SERVER" => WorkloadMode.Server,
        _ => null,
    };

    internal const string IstioMetricValues = "\"ALL_METRICS\", \"REQUEST_COUNT\", \"REQUEST_DURATION\", \"REQUEST_SIZE\", \"RESPONSE_SIZE\", "
        + "\"TCP_OPENED_CONNECTIONS\", \"TCP_CLOSED_CONNECTIONS\", \"TCP_SENT_BYTES\", \"TCP_RECEIVED_BYTES\", \"GRPC_REQUEST_MESSAGES\", \"GRPC_RESPONSE_MESSAGES\"";

    internal static IstioMetric? ParseIstioMetric(string text) => text switch
    {
        "ALL_METRICS" => IstioMetric.AllMetrics,
        "REQUEST_COUNT" => IstioMetric.RequestCount,
        "REQUEST_DURATION" => IstioMetric.RequestDuration,
        "REQUEST_SIZE" => IstioMetric.RequestSize,
        "RESPONSE_SIZE" => IstioMetric.ResponseSize,
        "TCP_OPENED_CONNECTIONS" => IstioMetric.TcpOpenedConnections,
        "TCP_CLOSED_CONNECTIONS" => IstioMetric.TcpClosedConnections,
        "TCP_SENT_BYTES" => IstioMetric.TcpSentBytes,
        "TCP_RECEIVED_BYTES" => IstioMetric.TcpReceivedBytes,
        "GRPC_REQUEST_MESSAGES" => IstioMetric.GrpcRequestMessages,
        "GRPC_RESPONSE_MESSAGES" => IstioMetric.GrpcResponseMessages,
        _ => null,
    };

    internal const string TagOperationValues = "\"UPSERT\", \"REMOVE\"";

    internal static TagOperation? ParseTagOperation(string text) => text switch
    {
        "UPSERT" => TagOperation.Upsert,
        "REMOVE" => TagOperation.Remove,
        _ => null,
    };
}
