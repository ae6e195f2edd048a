namespace Mesh.Istio.Analysis;

/// <summary>
/// THE list of Istio fields this mesh accepts but does not apply, one entry per line: kind, field path pattern (see
/// <see cref="NotEffectiveField.Path"/>), reason. The analyzer reports each one written in a resource as "has no
/// effect in this mesh" (MESH0001). When a field is made to take effect, its entry is deleted here, and docs/config.md
/// follows (a test compares them). Fields not listed are applied; value-level limits (a mode or an enum value the mesh
/// does not implement) are stated in docs/config.md.
/// </summary>
public static class NotEffectiveFields
{
    public static IReadOnlyList<NotEffectiveField> All { get; } =
    [
        new("VirtualService", "spec.http[*].match[*].statPrefix", "per-match stat prefixes are not implemented: the route's metrics carry the route name"),
        new("VirtualService", "spec.tcp", "gateways serve no TCP servers: tcp routes take effect on captured sidecars only (this VirtualService binds to gateways only)", NotEffectiveWhen.GatewaysOnly),
        new("VirtualService", "spec.tcp[*].match[*].destinationSubnets", "tcp routes match on port, gateways, sourceLabels and sourceNamespace only: the match applies whatever the destination address"),
        new("VirtualService", "spec.tcp[*].match[*].sourceSubnet", "tcp routes match on port, gateways, sourceLabels and sourceNamespace only: the match applies whatever the source address"),
        new("VirtualService", "spec.tls", "sidecars do not route TLS by SNI: tls routes take effect on gateways only (this VirtualService binds to sidecars only)", NotEffectiveWhen.SidecarsOnly),
        new("VirtualService", "spec.tls[*].match[*].sourceLabels", "tls routes match on SNI host, port and gateways only"),
        new("VirtualService", "spec.tls[*].match[*].sourceNamespace", "tls routes match on SNI host, port and gateways only"),
        new("VirtualService", "spec.tls[*].match[*].destinationSubnets", "tls routes match on SNI host, port and gateways only"),
        new("DestinationRule", "spec.**.connectionPool.http.http2KeepAlive.connectionIdleInterval", "a PING before reusing a connection idle this long is not implemented: interval and timeout still apply"),
        new("DestinationRule", "spec.trafficPolicy.tunnel", "tunneling (HTTP CONNECT) is not implemented"),
        new("DestinationRule", "spec.subsets[*].trafficPolicy.tunnel", "tunneling (HTTP CONNECT) is not implemented"),
        new("DestinationRule", "spec.trafficPolicy.proxyProtocol", "the PROXY protocol is not implemented: nothing is sent ahead of the request"),
        new("DestinationRule", "spec.subsets[*].trafficPolicy.proxyProtocol", "the PROXY protocol is not implemented: nothing is sent ahead of the request"),
        new("Gateway", "spec.servers[*].bind", "gateway listeners bind to the proxy's address"),
        new("Gateway", "spec.servers[*].tls.tlsCertificates", "use credentialName or serverCertificate and privateKey"),
        new("ServiceEntry", "spec.endpoints[*].network", "multi-network routing is not implemented"),
        new("WorkloadEntry", "spec.network", "multi-network routing is not implemented"),
        new("Sidecar", "spec.ingress[*].bind", "ingress listeners stand on the proxy's inbound address; the port, defaultEndpoint and connectionPool still apply"),
        new("Sidecar", "spec.ingress[*].captureMode", "the capture mode is the pod's (iptables when captured); the port, defaultEndpoint and connectionPool still apply"),
        new("Sidecar", "spec.ingress[*].tls", "TLS termination on ingress listeners is not implemented: the port's mTLS follows PeerAuthentication"),
        new("Sidecar", "spec.egress[*].bind", "egress listeners stand on the proxy's outbound address (0.0.0.0 when captured); the egress hosts and port still scope what the proxy receives"),
        new("Sidecar", "spec.egress[*].captureMode", "the capture mode is the pod's (iptables when captured); the egress hosts and port still scope what the proxy receives"),
        new("Sidecar", "spec.egress[*].port.protocol", "each imported service port keeps its own protocol; the egress port selects which port of the imported services the proxy receives"),
        new("Sidecar", "spec.outboundTrafficPolicy.egressProxy", "egress proxies are not implemented: a destination the registry does not know goes where outboundTrafficPolicy.mode says"),
        new("EnvoyFilter", "", "EnvoyFilter is not implemented: this proxy is not Envoy"),
        new("WorkloadGroup", "", "WorkloadGroup is not implemented: declare each workload with a WorkloadEntry"),
        new("ProxyConfig", "spec.image", "this mesh ships one proxy image, the injector's: an image type (debug, distroless) selects none; concurrency and environmentVariables still apply"),
        new("Telemetry", "spec.metrics[*].overrides[*].match.customMetric", "custom metrics are not implemented: only Istio's standard metrics can be turned off"),
        new("Telemetry", "spec.metrics[*].reportingInterval", "there is no reporting interval to set: TCP byte counters move as the bytes flow"),
        new("WasmPlugin", "", "Wasm plugins are not implemented"),
    ];
}
