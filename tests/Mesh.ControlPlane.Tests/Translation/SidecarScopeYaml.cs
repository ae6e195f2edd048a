namespace Mesh.ControlPlane.Tests.Translation;

/// <summary>
/// A mesh of four namespaces for the Sidecar resource's tests: <c>shop</c> (cart; pay on 8080 and 9090; workloads
/// web-1 and worker-1), <c>ops</c> (metrics; workload tool-1), <c>partner</c> (api, exported to itself only; public),
/// <c>egress</c> (api.example.com, www.example.org).
/// </summary>
internal static class SidecarScopeYaml
{
    public const string Namespaces = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: cart, namespace: shop }
        spec:
          hosts: [cart.shop.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 8080, name: http, protocol: HTTP }]
          resolution: STATIC
          endpoints: [{ address: 127.0.0.21 }]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: pay, namespace: shop }
        spec:
          hosts: [pay.shop.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 8080, name: http, protocol: HTTP }, { number: 9090, name: grpc, protocol: GRPC }]
          resolution: STATIC
          endpoints: [{ address: 127.0.0.22 }]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: metrics, namespace: ops }
        spec:
          hosts: [metrics.ops.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 8080, name: http, protocol: HTTP }]
          resolution: STATIC
          endpoints: [{ address: 127.0.0.23 }]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: api, namespace: partner }
        spec:
          hosts: [api.partner.svc.cluster.local]
          exportTo: [.]
          location: MESH_INTERNAL
          ports: [{ number: 8080, name: http, protocol: HTTP }]
          resolution: STATIC
          endpoints: [{ address: 127.0.0.24 }]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: public, namespace: partner }
        spec:
          hosts: [public.partner.svc.cluster.local]
          location: MESH_INTERNAL
          ports: [{ number: 8080, name: http, protocol: HTTP }]
          resolution: STATIC
          endpoints: [{ address: 127.0.0.25 }]
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: external, namespace: egress }
        spec:
          hosts: [api.example.com, www.example.org]
          ports: [{ number: 443, name: tls, protocol: TLS }]
          resolution: DNS
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: web-1, namespace: shop }
        spec: { address: 127.0.0.31, labels: { app: web } }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: worker-1, namespace: shop }
        spec: { address: 127.0.0.32, labels: { app: worker } }
        ---
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata: { name: tool-1, namespace: ops }
        spec: { address: 127.0.0.33, labels: { app: tool } }
        """;

    /// <summary>A Sidecar with one catch-all egress listener importing <paramref name="hosts"/>.</summary>
    /// <summary>shop's database: a TCP service with an address, which a captured sidecar gets a hand-off listener for.</summary>
    public const string Database = """
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata: { name: db, namespace: shop }
        spec:
          hosts: [db.shop.svc.cluster.local]
          addresses: [240.0.0.5]
          location: MESH_INTERNAL
          ports: [{ number: 5432, name: tcp, protocol: TCP }]
          resolution: STATIC
          endpoints: [{ address: 127.0.0.25 }]
        """;

    public static string Sidecar(string name, string ns, string hosts, string? selector = null) => $$"""
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: { name: {{name}}, namespace: {{ns}} }
        spec:
          {{(selector is null ? "" : $"workloadSelector: {{ labels: {{ {selector} }} }}")}}
          egress: [{ hosts: [{{hosts}}] }]
        """;
}
