namespace Mesh.ControlPlane.Tests.Istio;

/// <summary>VirtualService YAML for tests about one field of an HTTP route.</summary>
internal static class VirtualServiceYaml
{
    /// <summary>A VirtualService for backend with one HTTP route to it, carrying <paramref name="routeField"/>.</summary>
    public static string BackendRoute(string routeField) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend, namespace: default }
        spec:
          hosts: [backend]
          http:
          - {{routeField}}
            route: [{ destination: { host: backend } }]
        """;
}
