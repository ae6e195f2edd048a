using Mesh.Istio.Networking;

namespace Mesh.Istio.Loading;

/// <summary>Maps YAML nodes of Sidecar fields onto the model, one method per Istio message; the reader records type errors and unknown fields.</summary>
internal static class SidecarParser
{
    internal static SidecarSpec ParseSidecarSpec(YamlMappingReader r) => new()
    {
        WorkloadSelector = r.Object("workloadSelector", ServiceEntryParser.ParseWorkloadSelector),
        Ingress = r.List("ingress", ParseIngressListener),
        Egress = r.List("egress", ParseEgressListener),
        OutboundTrafficPolicy = r.Object("outboundTrafficPolicy", ParseOutboundTrafficPolicy),
        InboundConnectionPool = r.Object("inboundConnectionPool", DestinationRuleParser.ParseConnectionPoolSettings),
    };

    internal static IstioEgressListener ParseEgressListener(YamlMappingReader r) => new()
    {
        Port = r.Object("port", GatewayParser.ParsePort),
        Bind = r.String("bind"),
        CaptureMode = r.Enum("captureMode", IstioEnumNames.ParseCaptureMode, IstioEnumNames.CaptureModeValues),
        Hosts = r.Strings("hosts"),
    };

    internal static IstioIngressListener ParseIngressListener(YamlMappingReader r) => new()
    {
        Port = r.Object("port", GatewayParser.ParsePort),
        Bind = r.String("bind"),
        CaptureMode = r.Enum("captureMode", IstioEnumNames.ParseCaptureMode, IstioEnumNames.CaptureModeValues),
        DefaultEndpoint = r.String("defaultEndpoint"),
        Tls = r.Object("tls", GatewayParser.ParseServerTlsSettings),
        ConnectionPool = r.Object("connectionPool", DestinationRuleParser.ParseConnectionPoolSettings),
    };

    internal static OutboundTrafficPolicy ParseOutboundTrafficPolicy(YamlMappingReader r) => new()
    {
        Mode = r.Enum("mode", IstioEnumNames.ParseOutboundTrafficMode, IstioEnumNames.OutboundTrafficModeValues),
        EgressProxy = r.Object("egressProxy", VirtualServiceParser.ParseDestination),
    };
}
