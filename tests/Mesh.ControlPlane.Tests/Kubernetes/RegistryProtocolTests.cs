using Mesh.ControlPlane.Kubernetes;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>Istio's protocol selection for Service ports: appProtocol, else the port name's prefix, else detection.</summary>
public sealed class RegistryProtocolTests
{
    [Theory]
    // By name: <protocol>[-<suffix>], case-insensitive.
    [InlineData("http", null, 80, "HTTP")]
    [InlineData("http-web", null, 80, "HTTP")]
    [InlineData("HTTP-Web", null, 80, "HTTP")]
    [InlineData("http2-api", null, 80, "HTTP2")]
    [InlineData("grpc", null, 80, "GRPC")]
    [InlineData("grpc-api", null, 80, "GRPC")]
    [InlineData("grpc-web", null, 80, "GRPC-WEB")]
    [InlineData("grpc-web-api", null, 80, "GRPC-WEB")]
    [InlineData("tcp-db", null, 80, "TCP")]
    [InlineData("tls-passthrough", null, 443, "TLS")]
    [InlineData("https", null, 443, "HTTPS")]
    [InlineData("mongo-primary", null, 80, "MONGO")]
    [InlineData("redis", null, 80, "REDIS")]
    [InlineData("mysql", null, 80, "MYSQL")]
    [InlineData("http_proxy", null, 80, "HTTP_PROXY")]
    // A name that is no protocol (httpforecast is not http): left to detection.
    [InlineData("httpforecast", null, 80, "")]
    [InlineData("web", null, 80, "")]
    [InlineData(null, null, 80, "")]
    // appProtocol first, whatever the name says.
    [InlineData("web", "http", 80, "HTTP")]
    [InlineData("tcp-legacy", "grpc", 80, "GRPC")]
    [InlineData("http", "tcp", 80, "TCP")]
    [InlineData("web", "kubernetes.io/h2c", 80, "HTTP2")]
    [InlineData("web", "kubernetes.io/ws", 80, "HTTP")]
    [InlineData("web", "kubernetes.io/wss", 443, "HTTPS")]
    [InlineData("http", "example.com/custom", 80, "")]
    // Well-known ports that detection would break are TCP when nothing names them.
    [InlineData("smtp", null, 25, "TCP")]
    [InlineData(null, null, 53, "TCP")]
    [InlineData("db", null, 3306, "TCP")]
    [InlineData("db", null, 27017, "TCP")]
    [InlineData("http", null, 3306, "HTTP")]
    public void Select_TcpPort_AsIstioSelects(string? name, string? appProtocol, int port, string expected)
    {
        Assert.Equal(expected, ServicePortProtocol.Select(port, name, "TCP", appProtocol));
    }

    [Theory]
    [InlineData("http")]
    [InlineData("dns")]
    public void Select_UdpPort_IsUdpWhateverItsName(string name)
    {
        Assert.Equal(ServicePortProtocol.Udp, ServicePortProtocol.Select(53, name, "UDP", "http"));
    }

    [Fact]
    public void Select_NamePrefixUdp_IsUdpAsInIstio()
    {
        Assert.Equal(ServicePortProtocol.Udp, ServicePortProtocol.Select(8125, "udp-statsd", "TCP", null));
    }

    [Fact]
    public void Build_ServicePorts_TakeTheSelectedProtocolAndSkipUdp()
    {
        var registry = KubernetesRegistry.Build(KubeYaml.Objects("""
            apiVersion: v1
            kind: Service
            metadata: { name: api, namespace: default }
            spec:
              clusterIP: 10.96.0.30
              ports:
              - { name: web, port: 8080, appProtocol: http }
              - { name: grpc-api, port: 9090 }
              - { name: statsd, port: 8125, protocol: UDP }
              - { name: udp-named, port: 8126 }
              - { name: plain, port: 7000 }
            """), "cluster.local");

        Assert.Equal(
            [("web", 8080u, "HTTP"), ("grpc-api", 9090u, "GRPC"), ("plain", 7000u, "")],
            registry.Services[0].Ports.Select(p => (p.Name, p.Number, p.Protocol)));
    }
}
