using Mesh.Contracts.Discovery;

namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A Sidecar's ingress listeners: they alone make the workload's inbound listeners, each forwarding to its
/// defaultEndpoint, in place of the ports its services send to.
/// </summary>
public sealed class SidecarIngressSimulationTests
{
    [Fact]
    public void IngressListeners_ReplaceTheServicesPorts_AndForwardToTheirDefaultEndpoints()
    {
        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, DemoYaml.BackendSubsets, Ingress("""
            - port: { number: 18080, protocol: HTTP, name: http-remapped }
              defaultEndpoint: 127.0.0.1:17002
            - port: { number: 18081, protocol: GRPC, name: grpc }
              defaultEndpoint: 0.0.0.0:17010
            - port: { number: 18082, protocol: HTTP, name: http-default }
            """));

        Assert.Equal(["virtualInbound_18080", "virtualInbound_18081", "virtualInbound_18082"],
            sim.Resources.Listeners.Where(l => l.Direction == TrafficDirection.Inbound).Select(l => l.Name));
        Assert.Equal(("127.0.0.1", 17002u), Endpoint(sim, "inbound|18080||"));
        // 0.0.0.0: the workload's own address; gRPC goes to it over HTTP/2.
        Assert.Equal(("127.0.0.2", 17010u), Endpoint(sim, "inbound|18081||"));
        Assert.Equal(UpstreamProtocol.Http2, sim.Cluster("inbound|18081||").Protocol);
        Assert.Equal(UpstreamProtocol.Http1, sim.Cluster("inbound|18080||").Protocol);
        // Unset: the application, as for a service port (the node's --app address).
        Assert.Equal(("127.0.0.1", 8081u), Endpoint(sim, "inbound|18082||"));
    }

    [Fact]
    public void SidecarWithoutIngress_KeepsTheServicesPorts()
    {
        var sim = Simulation.Sidecar("backend-v1", "default", DemoYaml.Workloads, """
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: backend, namespace: default }
            spec:
              workloadSelector: { labels: { app: backend } }
              egress: [{ hosts: [./*] }]
            """);

        Assert.Equal(["virtualInbound_17002"], sim.Resources.Listeners.Where(l => l.Direction == TrafficDirection.Inbound).Select(l => l.Name));
    }

    [Fact]
    public void UnixSocketEndpoint_IsAWarningSayingWhereTrafficGoes()
    {
        var result = Mesh.Istio.IstioConfigLoader.LoadText(Ingress("""
            - port: { number: 18080, protocol: HTTP, name: http }
              defaultEndpoint: unix:///var/run/app.sock
            """), "sidecar.yaml");

        Assert.Empty(result.Errors);
        var warning = Assert.Single(result.Warnings);
        Assert.Equal("spec.ingress[0].defaultEndpoint", warning.FieldPath);
        Assert.Contains("Unix domain socket endpoints are not implemented", warning.Reason, StringComparison.Ordinal);
    }

    private static (string Address, uint Port) Endpoint(Simulation sim, string cluster)
    {
        var endpoint = Assert.Single(sim.Endpoints(cluster).Endpoints);
        return (endpoint.Address, endpoint.Port);
    }

    /// <summary>A Sidecar for the backend's workloads with <paramref name="listeners"/> (YAML list items) as its ingress.</summary>
    private static string Ingress(string listeners) => $$"""
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: { name: backend, namespace: default }
        spec:
          workloadSelector: { labels: { app: backend } }
          ingress:
        {{Indent(listeners, "  ")}}
        """;

    private static string Indent(string text, string by) => string.Join("\n", text.Split('\n').Select(line => by + line));
}
