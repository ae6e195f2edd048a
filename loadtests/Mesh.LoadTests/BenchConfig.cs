namespace Mesh.LoadTests;

/// <summary>The Istio config the benchmarks run with, and the paths they drive, on the demo's local mesh.</summary>
internal static class BenchConfig
{
    /// <summary>The gateway routes straight to backend v1, so the gateway path has two proxies, as the sidecar path does.</summary>
    public const string GatewayToBackend = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata:
          name: frontend-gateway
          namespace: default
        spec:
          selector:
            istio: ingressgateway
          servers:
          - port:
              number: {{gatewayPort}}
              name: http
              protocol: HTTP
            hosts:
            - "*"
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: bench
          namespace: default
        spec:
          hosts:
          - "*"
          gateways:
          - frontend-gateway
          http:
          - route:
            - destination:
                host: backend
                subset: v1
        """;

    /// <summary>
    /// The sidecar path to backend v1 alone, in place of the demo's 80/20 canary split (deploy/local/backend-routing.yaml):
    /// otherwise a fifth of the requests go through backend v2's sidecar, whose CPU no path counts, and the path has
    /// three proxies where its row names two.
    /// </summary>
    public const string SidecarToBackendV1 = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: backend
          namespace: default
        spec:
          host: backend
          subsets:
          - name: v1
            labels:
              version: v1
          - name: v2
            labels:
              version: v2
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: backend
          namespace: default
        spec:
          hosts:
          - backend
          http:
          - route:
            - destination:
                host: backend
                subset: v1
        """;

    public static Dictionary<string, string> Overrides() => new()
    {
        ["gateway.yaml"] = GatewayToBackend,
        ["backend-routing.yaml"] = SidecarToBackendV1,
    };

    /// <summary>wrk → frontend sidecar's outbound listener (Host: backend:9080) → backend sidecar → backend app.</summary>
    public static string[] SidecarPath(Meshctl.Local.LocalMesh mesh) =>
        ["-H", "Host: backend:9080", $"http://127.0.0.1:{mesh.Workloads.Single(w => w.Name == "frontend-v1").OutboundPort}/"];

    /// <summary>wrk → gateway → backend sidecar → backend app.</summary>
    public static string[] GatewayPath(Meshctl.Local.LocalMesh mesh) => [mesh.GatewayUrl.ToString()];
}
