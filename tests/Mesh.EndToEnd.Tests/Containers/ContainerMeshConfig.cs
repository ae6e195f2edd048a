namespace Mesh.EndToEnd.Tests.Containers;

/// <summary>
/// The Istio YAML the control-plane container serves from its folder: ServiceEntries whose <c>addresses</c> are the
/// service addresses the client dials (no DNS in the test: curl dials the address), WorkloadEntries at the pods' IPs,
/// b's versions split by weight and by a header, mutual TLS required; and the mesh config, switched by rewriting it.
/// </summary>
internal static class ContainerMeshConfig
{
    /// <summary>Weights of b's split without the header; <see cref="HeaderToV2"/> sends every request to v2.</summary>
    public const int WeightV1 = 70, WeightV2 = 30;
    public const string HeaderToV2 = "end-user: jason";

    public static string Services(ContainerPods pods) => $"""
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: b
          namespace: default
        spec:
          hosts:
          - b.default.svc.cluster.local
          addresses:
          - {ContainerPods.ServiceAddressB}
          location: MESH_INTERNAL
          ports:
          - number: 80
            name: http
            protocol: HTTP
            targetPort: {ContainerPods.AppPort}
          resolution: STATIC
          workloadSelector:
            labels:
              app: b
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: b-detected
          namespace: default
        spec:
          hosts:
          - b-detected.default.svc.cluster.local
          addresses:
          - {ContainerPods.ServiceAddressBDetected}
          location: MESH_INTERNAL
          ports:
          - number: {ContainerPods.AppPort}
            name: web
          resolution: STATIC
          workloadSelector:
            labels:
              app: b
        ---
        apiVersion: networking.istio.io/v1
        kind: ServiceEntry
        metadata:
          name: echo
          namespace: default
        spec:
          hosts:
          - echo.default.svc.cluster.local
          addresses:
          - {ContainerPods.ServiceAddressEcho}
          location: MESH_INTERNAL
          ports:
          - number: {ContainerPods.EchoPort}
            name: tcp-echo
            protocol: TCP
          resolution: STATIC
          workloadSelector:
            labels:
              app: echo
        ---
        {WorkloadEntry("a", pods.A, "a", "v1", null)}
        ---
        {WorkloadEntry("b-v1", pods.B1, "b", "v1", $"http: {ContainerPods.AppPort}")}
        ---
        {WorkloadEntry("b-v2", pods.B2, "b", "v2", $"http: {ContainerPods.AppPort}")}
        ---
        {WorkloadEntry("echo-v1", pods.Echo, "echo", "v1", $"tcp-echo: {ContainerPods.EchoPort}")}
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: b
          namespace: default
        spec:
          host: b.default.svc.cluster.local
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
          name: b
          namespace: default
        spec:
          hosts:
          - b.default.svc.cluster.local
          http:
          - name: jason-to-v2
            match:
            - headers:
                end-user:
                  exact: jason
            route:
            - destination:
                host: b.default.svc.cluster.local
                subset: v2
          - name: split
            route:
            - destination:
                host: b.default.svc.cluster.local
                subset: v1
              weight: {WeightV1}
            - destination:
                host: b.default.svc.cluster.local
                subset: v2
              weight: {WeightV2}
        ---
        apiVersion: security.istio.io/v1
        kind: PeerAuthentication
        metadata:
          name: default
          namespace: default
        spec:
          mtls:
            mode: STRICT

        """;

    /// <summary>Istio's MeshConfig (the istio ConfigMap's <c>mesh</c> key) with only the outbound traffic policy set.</summary>
    public static string Mesh(string outboundTrafficPolicy) => $"""
        outboundTrafficPolicy:
          mode: {outboundTrafficPolicy}

        """;

    private static string WorkloadEntry(string name, string address, string app, string version, string? ports) => $"""
        apiVersion: networking.istio.io/v1
        kind: WorkloadEntry
        metadata:
          name: {name}
          namespace: default
        spec:
          address: {address}
        {(ports is null ? "" : $"  ports:\n    {ports}\n")}  labels:
            app: {app}
            version: {version}
          serviceAccount: {app}
        """;
}
