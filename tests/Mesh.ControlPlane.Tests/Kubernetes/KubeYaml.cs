using k8s;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;

namespace Mesh.ControlPlane.Tests.Kubernetes;

/// <summary>Kubernetes objects written as YAML, read by KubernetesClient's own YAML reader into its typed models.</summary>
internal static class KubeYaml
{
    public static KubernetesObjects Objects(params string[] yaml)
    {
        var services = new List<V1Service>();
        var slices = new List<V1EndpointSlice>();
        var pods = new List<V1Pod>();
        var namespaces = new List<V1Namespace>();
        var nodes = new List<V1Node>();
        foreach (var document in yaml)
        {
            foreach (var item in KubernetesYaml.LoadAllFromString(document))
            {
                switch (item)
                {
                    case V1Service service: services.Add(service); break;
                    case V1EndpointSlice slice: slices.Add(slice); break;
                    case V1Pod pod: pods.Add(pod); break;
                    case V1Namespace ns: namespaces.Add(ns); break;
                    case V1Node node: nodes.Add(node); break;
                    default: throw new ArgumentException($"unexpected object {item.GetType().Name}");
                }
            }
        }
        return new KubernetesObjects(services, slices, pods, namespaces, nodes);
    }

    /// <summary>A running pod at <paramref name="ip"/> with the given labels, service account and named container ports.</summary>
    public static string Pod(string name, string ip, string labels, string serviceAccount = "default", string ns = "default",
        string ports = "[{ name: http, containerPort: 9080 }]", string extraSpec = "", string extraMetadata = "", string phase = "Running") => $$"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {{name}}
          namespace: {{ns}}
          labels: {{labels}}
        {{Indent(extraMetadata, 2)}}
        spec:
          serviceAccountName: {{serviceAccount}}
          containers:
          - name: app
            image: app
            ports: {{ports}}
        {{Indent(extraSpec, 2)}}
        status:
          phase: {{phase}}
          podIP: {{ip}}
        """;

    private static string Indent(string text, int spaces) =>
        text.Length == 0 ? "" : string.Join("\n" + new string(' ', spaces), text.Split('\n')).Insert(0, new string(' ', spaces));
}
