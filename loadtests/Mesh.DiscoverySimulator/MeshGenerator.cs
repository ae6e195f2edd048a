using System.Globalization;
using System.Text;

namespace Mesh.DiscoverySimulator;

/// <summary>
/// Writes a local-mode config folder the way users write one: per service a ServiceEntry with its WorkloadEntries (one
/// file) and a VirtualService with short host names (another file, so one route change rewrites one file).
/// </summary>
/// <remarks>
/// Services spread over namespaces (by default of 100 services each); workload <c>w</c> belongs to service <c>w % services</c>, and the first
/// <see cref="SimulationOptions.Proxies"/> workloads are the simulated proxies, so every service has endpoints.
/// </remarks>
internal sealed class MeshGenerator(SimulationOptions options)
{
    public const int ServicesPerNamespace = 100;

    public int NamespaceCount => options.Namespaces > 0 ? options.Namespaces : Math.Max(1, (options.Services + ServicesPerNamespace - 1) / ServicesPerNamespace);

    public string NamespaceOf(int service) => "ns-" + (service % NamespaceCount).ToString(CultureInfo.InvariantCulture);

    public static string ServiceName(int service) => "svc-" + service.ToString(CultureInfo.InvariantCulture);

    public int ServiceOfProxy(int proxy) => proxy % options.Services;

    public string WorkloadName(int workload) => $"{ServiceName(workload % options.Services)}-w{workload.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The workloads the mesh starts with: one per proxy, and at least one per service.</summary>
    public int WorkloadCount => Math.Max(options.Proxies, options.Services);

    /// <summary>A service's ServiceEntry and WorkloadEntries: the file an <see cref="ChangeKind.Endpoints"/> change rewrites.</summary>
    public static string ServiceFile(int service) => ServiceName(service) + ".yaml";

    /// <summary>The VirtualService file the change rewrites.</summary>
    public static string VirtualServiceFile(int service) => $"vs-{ServiceName(service)}.yaml";

    /// <summary>Writes every file into <paramref name="folder"/>.</summary>
    public void WriteAll(string folder)
    {
        var byService = new List<int>[options.Services];
        for (var s = 0; s < byService.Length; s++) byService[s] = [];
        for (var w = 0; w < WorkloadCount; w++) byService[w % options.Services].Add(w);
        for (var s = 0; s < options.Services; s++)
        {
            File.WriteAllText(Path.Combine(folder, ServiceFile(s)), ServiceYaml(s, byService[s]));
            File.WriteAllText(Path.Combine(folder, VirtualServiceFile(s)), VirtualServiceYaml(s, timeoutSeconds: 5));
        }
        if (options.SidecarEgress)
        {
            for (var n = 0; n < NamespaceCount; n++) File.WriteAllText(Path.Combine(folder, $"sidecar-ns-{n}.yaml"), SidecarYaml("ns-" + n));
        }
    }

    /// <summary>The one change the simulation measures: service <paramref name="service"/>'s route timeout, written atomically.</summary>
    public void RewriteVirtualService(string folder, int service, int timeoutSeconds)
    {
        var path = Path.Combine(folder, VirtualServiceFile(service));
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, VirtualServiceYaml(service, timeoutSeconds));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The DestinationRule file a <see cref="ChangeKind.DestinationRule"/> change writes.</summary>
    public static string DestinationRuleFile(int service) => $"dr-{ServiceName(service)}.yaml";

    /// <summary>The other change: service <paramref name="service"/>'s connection pool, written atomically (the first one adds the rule).</summary>
    public void RewriteDestinationRule(string folder, int service, int pendingRequests)
    {
        var name = ServiceName(service);
        var exportTo = options.ExportToOwnNamespace ? "\n  exportTo: [\".\"]" : "";
        var path = Path.Combine(folder, DestinationRuleFile(service));
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, $$"""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: {{name}}, namespace: {{NamespaceOf(service)}} }
            spec:
              host: {{name}}{{exportTo}}
              trafficPolicy: { connectionPool: { http: { http1MaxPendingRequests: {{pendingRequests}} } } }

            """);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The AuthorizationPolicy file a <see cref="ChangeKind.AuthorizationPolicy"/> change writes.</summary>
    public const string AuthorizationPolicyFile = "authorization-mesh.yaml";

    /// <summary>
    /// The fourth change: a mesh-wide AuthorizationPolicy (in the root namespace, so every proxy's inbound side), denying
    /// a path that each change names anew, written atomically (the first one adds the policy).
    /// </summary>
    public static void RewriteAuthorizationPolicy(string folder, int change)
    {
        var path = Path.Combine(folder, AuthorizationPolicyFile);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, $$"""
            apiVersion: security.istio.io/v1
            kind: AuthorizationPolicy
            metadata: { name: deny-retired, namespace: istio-system }
            spec:
              action: DENY
              rules: [{ to: [{ operation: { paths: [/retired-{{change}}] } }] }]

            """);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>
    /// The third change: service <paramref name="service"/> scaled up by <paramref name="added"/> workloads beyond those it
    /// started with (numbered after every starting workload, so none is a simulated proxy's own), written atomically.
    /// </summary>
    public void RewriteServiceWorkloads(string folder, int service, int added)
    {
        var workloads = new List<int>();
        for (var w = service; w < WorkloadCount; w += options.Services) workloads.Add(w);
        var first = (WorkloadCount + options.Services - 1) / options.Services * options.Services + service;
        for (var i = 0; i < added; i++) workloads.Add(first + i * options.Services);
        var path = Path.Combine(folder, ServiceFile(service));
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, ServiceYaml(service, workloads));
        File.Move(temporary, path, overwrite: true);
    }

    private string ServiceYaml(int service, List<int> workloads)
    {
        var name = ServiceName(service);
        var ns = NamespaceOf(service);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $$"""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: {{name}}, namespace: {{ns}} }
            spec:
              hosts: [{{name}}.{{ns}}.svc.cluster.local]{{ServiceAddress(service)}}
              location: MESH_INTERNAL
              ports: [{ number: 80, name: http, protocol: HTTP }]
              resolution: STATIC
              workloadSelector: { labels: { app: {{name}} } }

            """);
        foreach (var w in workloads)
        {
            text.Append(CultureInfo.InvariantCulture, $$"""
                ---
                apiVersion: networking.istio.io/v1
                kind: WorkloadEntry
                metadata: { name: {{WorkloadName(w)}}, namespace: {{ns}} }
                spec:
                  address: 10.{{(w >> 16) & 255}}.{{(w >> 8) & 255}}.{{w & 255}}
                  ports: { http: 8080 }
                  labels: { app: {{name}}, version: v1 }
                  serviceAccount: {{name}}

                """);
        }
        return text.ToString();
    }

    /// <summary>A captured mesh's service address, one per service as a cluster IP; none otherwise.</summary>
    private string ServiceAddress(int service) =>
        options.Captured ? $"\n  addresses: [10.96.{(service >> 8) & 255}.{service & 255}]" : "";

    private string VirtualServiceYaml(int service, int timeoutSeconds)
    {
        var name = ServiceName(service);
        var exportTo = options.ExportToOwnNamespace ? "\n  exportTo: [\".\"]" : "";
        return $$"""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: {{name}}, namespace: {{NamespaceOf(service)}} }
            spec:
              hosts: [{{name}}]{{exportTo}}
              http:
              - match: [{ uri: { prefix: /api } }]
                route: [{ destination: { host: {{name}} } }]
                timeout: {{timeoutSeconds}}s
                retries: { attempts: 2, perTryTimeout: 2s, retryOn: 5xx }
              - route: [{ destination: { host: {{name}} } }]

            """;
    }

    /// <summary>Istio's usual scoping at scale: each namespace's proxies see their own namespace's services only.</summary>
    private static string SidecarYaml(string ns) => $$"""
        apiVersion: networking.istio.io/v1
        kind: Sidecar
        metadata: { name: default, namespace: {{ns}} }
        spec:
          egress:
          - hosts: ["./*"]

        """;
}
