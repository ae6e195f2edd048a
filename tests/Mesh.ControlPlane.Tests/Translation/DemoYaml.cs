namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>The demo's shapes: frontend and backend ServiceEntries selecting WorkloadEntries (backend v1 and v2), a DestinationRule with subsets.</summary>
internal static class DemoYaml
{
    public const string Workloads = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: frontend, namespace: default }
        spec:
          hosts: [frontend.default.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 80, name: http, protocol: HTTP }]
          resolution: STATIC
          workloadSelector: { labels: { app: frontend } }
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: backend, namespace: default }
        spec:
          hosts: [backend.default.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 9080, name: http, protocol: HTTP }]
          resolution: STATIC
          workloadSelector: { labels: { app: backend } }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: frontend-v1, namespace: default }
        spec:
          address: 127.0.0.1
          ports: { http: 17001 }
          labels: { app: frontend, version: v1 }
          serviceAccount: frontend
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: backend-v1, namespace: default }
        spec:
          address: 127.0.0.2
          ports: { http: 17002 }
          labels: { app: backend, version: v1 }
          serviceAccount: backend
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: backend-v2, namespace: default }
        spec:
          address: 127.0.0.3
          ports: { http: 17003 }
          labels: { app: backend, version: v2 }
          serviceAccount: backend
        """;

    public const string BackendSubsets = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: backend, namespace: default }
        spec:
          host: backend
          trafficPolicy: { loadBalancer: { simple: ROUND_ROBIN } }
          subsets:
          - name: v1
            labels: { version: v1 }
          - name: v2
            labels: { version: v2 }
        """;

    public const string BackendRouting = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend, namespace: default }
        spec:
          hosts: [backend]
          http:
          - name: jason-to-v2
            match:
            - headers: { end-user: { exact: jason } }
            route:
            - destination: { host: backend, subset: v2 }
          - name: canary-split
            route:
            - destination: { host: backend, subset: v1 }
              weight: 80
            - destination: { host: backend, subset: v2 }
              weight: 20
        """;

    public const string IngressGateway = """
        apiVersion: networking.istio.io/v1
        kind: Gateway
        metadata: { name: frontend-gateway, namespace: default }
        spec:
          selector: { istio: ingressgateway }
          servers:
          - port: { number: 8080, name: http, protocol: HTTP }
            hosts: ["*"]
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: frontend, namespace: default }
        spec:
          hosts: ["*"]
          gateways: [frontend-gateway]
          http:
          - name: frontend
            route:
            - destination: { host: frontend, port: { number: 80 } }
        """;

    public static readonly IReadOnlyDictionary<string, string> IngressLabels = new Dictionary<string, string> { ["istio"] = "ingressgateway" };
}
