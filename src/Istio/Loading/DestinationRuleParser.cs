using Mesh.Istio.Networking;
using Mesh.Istio.Security;

namespace Mesh.Istio.Loading;

/// <summary>Maps YAML nodes of DestinationRule fields onto the model, one method per Istio message; the reader records type errors and unknown fields.</summary>
internal static class DestinationRuleParser
{
    internal static DestinationRuleSpec ParseDestinationRuleSpec(YamlMappingReader r) => new()
    {
        Host = r.String("host") ?? "",
        TrafficPolicy = r.Object("trafficPolicy", ParseTrafficPolicy),
        Subsets = r.List("subsets", ParseSubset),
        ExportTo = r.Strings("exportTo"),
        WorkloadSelector = r.Object("workloadSelector", SecurityParser.ParseLabelSelector),
    };

    internal static TrafficPolicy ParseTrafficPolicy(YamlMappingReader r) => new()
    {
        LoadBalancer = r.Object("loadBalancer", ParseLoadBalancerSettings),
        ConnectionPool = r.Object("connectionPool", ParseConnectionPoolSettings),
        OutlierDetection = r.Object("outlierDetection", ParseOutlierDetection),
        Tls = r.Object("tls", ParseClientTlsSettings),
        PortLevelSettings = r.List("portLevelSettings", ParsePortTrafficPolicy),
        Tunnel = r.Object("tunnel", ParseTunnelSettings),
        ProxyProtocol = r.Object("proxyProtocol", ParseProxyProtocol),
        RetryBudget = r.Object("retryBudget", ParseRetryBudget),
    };

    internal static PortTrafficPolicy ParsePortTrafficPolicy(YamlMappingReader r) => new()
    {
        Port = r.Object("port", VirtualServiceParser.ParsePortSelector),
        LoadBalancer = r.Object("loadBalancer", ParseLoadBalancerSettings),
        ConnectionPool = r.Object("connectionPool", ParseConnectionPoolSettings),
        OutlierDetection = r.Object("outlierDetection", ParseOutlierDetection),
        Tls = r.Object("tls", ParseClientTlsSettings),
    };

    internal static Subset ParseSubset(YamlMappingReader r) => new()
    {
        Name = r.String("name") ?? "",
        Labels = r.StringMap("labels"),
        TrafficPolicy = r.Object("trafficPolicy", ParseTrafficPolicy),
    };

    internal static LoadBalancerSettings ParseLoadBalancerSettings(YamlMappingReader r) => new()
    {
        Simple = r.Enum("simple", IstioEnumNames.ParseSimpleLB, IstioEnumNames.SimpleLBValues),
        ConsistentHash = r.Object("consistentHash", ParseConsistentHashLB),
        LocalityLbSetting = r.Object("localityLbSetting", ParseLocalityLoadBalancerSetting),
        WarmupDurationSecs = r.Duration("warmupDurationSecs"),
        Warmup = r.Object("warmup", ParseWarmupConfiguration),
    };

    internal static WarmupConfiguration ParseWarmupConfiguration(YamlMappingReader r) => new()
    {
        Duration = r.Duration("duration"),
        MinimumPercent = r.Double("minimumPercent"),
        Aggression = r.Double("aggression"),
    };

    internal static ConsistentHashLB ParseConsistentHashLB(YamlMappingReader r) => new()
    {
        HttpHeaderName = r.String("httpHeaderName"),
        HttpCookie = r.Object("httpCookie", ParseHttpCookie),
        UseSourceIp = r.Bool("useSourceIp") ?? false,
        HttpQueryParameterName = r.String("httpQueryParameterName"),
        RingHash = r.Object("ringHash", ParseRingHash),
        Maglev = r.Object("maglev", ParseMagLev),
        MinimumRingSize = r.UInt64("minimumRingSize"),
    };

    internal static HttpCookie ParseHttpCookie(YamlMappingReader r) => new()
    {
        Name = r.String("name") ?? "",
        Path = r.String("path"),
        Ttl = r.Duration("ttl"),
        Attributes = r.List("attributes", ParseCookieAttribute),
    };

    internal static CookieAttribute ParseCookieAttribute(YamlMappingReader r) => new()
    {
        Name = r.String("name") ?? "",
        Value = r.String("value"),
    };

    internal static RingHash ParseRingHash(YamlMappingReader r) => new()
    {
        MinimumRingSize = r.UInt64("minimumRingSize"),
    };

    internal static MagLev ParseMagLev(YamlMappingReader r) => new()
    {
        TableSize = r.UInt64("tableSize"),
    };

    internal static LocalityLoadBalancerSetting ParseLocalityLoadBalancerSetting(YamlMappingReader r) => new()
    {
        Distribute = r.List("distribute", ParseLocalityDistribute),
        Failover = r.List("failover", ParseLocalityFailover),
        FailoverPriority = r.Strings("failoverPriority"),
        Enabled = r.Bool("enabled"),
    };

    internal static LocalityDistribute ParseLocalityDistribute(YamlMappingReader r) => new()
    {
        From = r.String("from") ?? "",
        To = r.UInt32Map("to"),
    };

    internal static LocalityFailover ParseLocalityFailover(YamlMappingReader r) => new()
    {
        From = r.String("from") ?? "",
        To = r.String("to") ?? "",
    };

    internal static ConnectionPoolSettings ParseConnectionPoolSettings(YamlMappingReader r) => new()
    {
        Tcp = r.Object("tcp", ParseTcpSettings),
        Http = r.Object("http", ParseHttpSettings),
    };

    internal static TcpSettings ParseTcpSettings(YamlMappingReader r) => new()
    {
        MaxConnections = r.Int32("maxConnections"),
        ConnectTimeout = r.Duration("connectTimeout"),
        TcpKeepalive = r.Object("tcpKeepalive", ParseTcpKeepalive),
        MaxConnectionDuration = r.Duration("maxConnectionDuration"),
        IdleTimeout = r.Duration("idleTimeout"),
    };

    internal static TcpKeepalive ParseTcpKeepalive(YamlMappingReader r) => new()
    {
        Probes = r.UInt32("probes"),
        Time = r.Duration("time"),
        Interval = r.Duration("interval"),
    };

    internal static HttpSettings ParseHttpSettings(YamlMappingReader r) => new()
    {
        Http1MaxPendingRequests = r.Int32("http1MaxPendingRequests"),
        Http2MaxRequests = r.Int32("http2MaxRequests"),
        MaxRequestsPerConnection = r.Int32("maxRequestsPerConnection"),
        MaxRetries = r.Int32("maxRetries"),
        IdleTimeout = r.Duration("idleTimeout"),
        H2UpgradePolicy = r.Enum("h2UpgradePolicy", IstioEnumNames.ParseH2UpgradePolicy, IstioEnumNames.H2UpgradePolicyValues),
        UseClientProtocol = r.Bool("useClientProtocol") ?? false,
        MaxConcurrentStreams = r.Int32("maxConcurrentStreams"),
        Http2KeepAlive = r.Object("http2KeepAlive", ParseHttp2KeepAlive),
    };

    internal static Http2KeepAlive ParseHttp2KeepAlive(YamlMappingReader r) => new()
    {
        Interval = r.Duration("interval"),
        Timeout = r.Duration("timeout"),
        ConnectionIdleInterval = r.Duration("connectionIdleInterval"),
    };

    internal static OutlierDetection ParseOutlierDetection(YamlMappingReader r) => new()
    {
        SplitExternalLocalOriginErrors = r.Bool("splitExternalLocalOriginErrors") ?? false,
        ConsecutiveLocalOriginFailures = r.UInt32("consecutiveLocalOriginFailures"),
        ConsecutiveGatewayErrors = r.UInt32("consecutiveGatewayErrors"),
        Consecutive5xxErrors = r.UInt32("consecutive5xxErrors"),
        Interval = r.Duration("interval"),
        BaseEjectionTime = r.Duration("baseEjectionTime"),
        MaxEjectionPercent = r.Int32("maxEjectionPercent"),
        MinHealthPercent = r.Int32("minHealthPercent"),
        ConsecutiveErrors = r.Int32("consecutiveErrors"),
    };

    internal static ClientTlsSettings ParseClientTlsSettings(YamlMappingReader r) => new()
    {
        Mode = r.Enum("mode", IstioEnumNames.ParseClientTlsMode, IstioEnumNames.ClientTlsModeValues),
        ClientCertificate = r.String("clientCertificate"),
        PrivateKey = r.String("privateKey"),
        CaCertificates = r.String("caCertificates"),
        CredentialName = r.String("credentialName"),
        SubjectAltNames = r.Strings("subjectAltNames"),
        Sni = r.String("sni"),
        InsecureSkipVerify = r.Bool("insecureSkipVerify"),
        CaCrl = r.String("caCrl"),
    };

    internal static TunnelSettings ParseTunnelSettings(YamlMappingReader r) => new()
    {
        Protocol = r.String("protocol"),
        TargetHost = r.String("targetHost") ?? "",
        TargetPort = r.UInt32("targetPort"),
    };

    internal static ProxyProtocol ParseProxyProtocol(YamlMappingReader r) => new()
    {
        Version = r.Enum("version", IstioEnumNames.ParseProxyProtocolVersion, IstioEnumNames.ProxyProtocolVersionValues),
    };

    internal static RetryBudget ParseRetryBudget(YamlMappingReader r) => new()
    {
        Percent = r.Double("percent"),
        MinRetryConcurrency = r.UInt32("minRetryConcurrency"),
    };
}
