using System.Text;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace Mesh.Injection;

/// <summary>
/// <c>meshctl kube-inject</c>'s work, as istioctl's: a multi-document YAML stream in, the same stream out with every
/// workload's pod template injected (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, ReplicationController, Job,
/// CronJob) and every other document passed through as written. Each pod goes through the webhook's own path (the same
/// injector, its JSON patch applied), so the output is what the webhook would make of it.
/// </summary>
public static class ResourceInjector
{
    public static string Inject(string yaml, SidecarInjector injector, ICollection<string> warnings)
    {
        var output = new StringBuilder();
        var index = 0;
        foreach (var (document, firstLine) in SplitDocuments(yaml))
        {
            index++;
            if (string.IsNullOrWhiteSpace(StripComments(document)))
            {
                continue;
            }

            var (apiVersion, kind) = ReadType(document, index, firstLine);
            string? injected;
            try
            {
                injected = InjectDocument(document, apiVersion, kind, injector, warnings);
            }
            catch (YamlDotNet.Core.YamlException e)
            {
                throw new InjectionException($"document {index} ({kind}), line {firstLine + e.Start.Line - 1}: {e.Message}");
            }

            var text = injected ?? document;
            output.Append(text);
            if (!text.EndsWith('\n'))
            {
                output.Append('\n');
            }

            output.Append("---\n");
        }

        return output.ToString();
    }

    private static string? InjectDocument(string document, string apiVersion, string kind, SidecarInjector injector, ICollection<string> warnings) =>
        (apiVersion, kind) switch
        {
            ("v1", "Pod") => InjectPod(KubernetesYaml.Deserialize<V1Pod>(document), injector, warnings),
            ("apps/v1", "Deployment") => InjectTemplate(KubernetesYaml.Deserialize<V1Deployment>(document), d => d.Spec?.Template, injector, warnings),
            ("apps/v1", "StatefulSet") => InjectTemplate(KubernetesYaml.Deserialize<V1StatefulSet>(document), d => d.Spec?.Template, injector, warnings),
            ("apps/v1", "DaemonSet") => InjectTemplate(KubernetesYaml.Deserialize<V1DaemonSet>(document), d => d.Spec?.Template, injector, warnings),
            ("apps/v1", "ReplicaSet") => InjectTemplate(KubernetesYaml.Deserialize<V1ReplicaSet>(document), d => d.Spec?.Template, injector, warnings),
            ("v1", "ReplicationController") => InjectTemplate(KubernetesYaml.Deserialize<V1ReplicationController>(document), d => d.Spec?.Template, injector, warnings),
            ("batch/v1", "Job") => InjectTemplate(KubernetesYaml.Deserialize<V1Job>(document), d => d.Spec?.Template, injector, warnings),
            ("batch/v1", "CronJob") => InjectTemplate(KubernetesYaml.Deserialize<V1CronJob>(document), d => d.Spec?.JobTemplate?.Spec?.Template, injector, warnings),
            _ => null,
        };

    private static string InjectPod(V1Pod pod, SidecarInjector injector, ICollection<string> warnings)
    {
        pod.Metadata ??= new V1ObjectMeta();
        pod.Spec ??= new V1PodSpec();
        var owner = WorkloadOwner.FromPod(pod.Metadata, pod.Metadata.NamespaceProperty ?? "");
        InjectThroughPatch(pod.Metadata, pod.Spec, owner, $"Pod {pod.Metadata.Name}", injector, warnings, out var metadata, out var spec);
        pod.Metadata = metadata;
        pod.Spec = spec;
        return KubernetesYaml.Serialize(pod);
    }

    private static string InjectTemplate<T>(T workload, Func<T, V1PodTemplateSpec?> template, SidecarInjector injector, ICollection<string> warnings)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var description = $"{workload.Kind} {workload.Metadata?.Name}";
        var pod = template(workload) ?? throw new InjectionException($"{description}: it has no pod template");
        pod.Metadata ??= new V1ObjectMeta();
        pod.Spec ??= new V1PodSpec();
        // The owner is the workload itself (istioctl's deployment metadata): its kind, apiVersion, name and namespace.
        var owner = new WorkloadOwner(workload.Metadata?.Name ?? "", workload.Metadata?.NamespaceProperty ?? "", workload.ApiVersion, workload.Kind);
        InjectThroughPatch(pod.Metadata, pod.Spec, owner, description, injector, warnings, out var metadata, out var spec);
        pod.Metadata = metadata;
        pod.Spec = spec;
        return KubernetesYaml.Serialize(workload);
    }

    /// <summary>The webhook's way: inject a copy, diff it against the original, apply the patch to the original.</summary>
    private static void InjectThroughPatch(V1ObjectMeta metadata, V1PodSpec spec, WorkloadOwner owner, string description, SidecarInjector injector,
        ICollection<string> warnings, out V1ObjectMeta injectedMetadata, out V1PodSpec injectedSpec)
    {
        var original = KubernetesJson.Serialize(new V1Pod { Metadata = metadata, Spec = spec });
        var pod = KubernetesJson.Deserialize<V1Pod>(original);
        var podWarnings = new List<string>();
        string? skipped;
        try
        {
            skipped = injector.Inject(pod.Metadata, pod.Spec, owner, podWarnings);
        }
        catch (InjectionException e)
        {
            throw new InjectionException($"{description}: {e.Message}");
        }

        foreach (var warning in podWarnings)
        {
            warnings.Add($"{description}: {warning}");
        }

        if (skipped is not null)
        {
            warnings.Add($"{description}: not injected: {skipped}");
            injectedMetadata = metadata;
            injectedSpec = spec;
            return;
        }

        var before = System.Text.Json.Nodes.JsonNode.Parse(original)!;
        var patch = JsonPatch.Create(before, System.Text.Json.Nodes.JsonNode.Parse(KubernetesJson.Serialize(pod)));
        var patched = KubernetesJson.Deserialize<V1Pod>(JsonPatch.Apply(before, patch).ToJsonString());
        injectedMetadata = patched.Metadata;
        injectedSpec = patched.Spec;
    }

    private static (string ApiVersion, string Kind) ReadType(string document, int index, int firstLine)
    {
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(document));
            if (stream.Documents.Count > 0 && stream.Documents[0].RootNode is YamlMappingNode root)
            {
                return (Scalar(root, "apiVersion"), Scalar(root, "kind"));
            }

            return ("", "");
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new InjectionException($"document {index}, line {firstLine + e.Start.Line - 1}: not valid YAML: {e.Message}");
        }

        static string Scalar(YamlMappingNode root, string key) =>
            root.Children.TryGetValue(new YamlScalarNode(key), out var node) && node is YamlScalarNode scalar ? scalar.Value ?? "" : "";
    }

    /// <summary>Splits on <c>---</c> lines, as Kubernetes' YAML reader does (a separator may be followed by a comment).</summary>
    private static IEnumerable<(string Text, int FirstLine)> SplitDocuments(string yaml)
    {
        var current = new StringBuilder();
        var lineNumber = 0;
        var firstLine = 1;
        using var reader = new StringReader(yaml);
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.StartsWith("---", StringComparison.Ordinal) && (line.Length == 3 || line[3..].TrimStart() is "" or ['#', ..]))
            {
                yield return (current.ToString(), firstLine);
                current.Clear();
                firstLine = lineNumber + 1;
                continue;
            }

            current.Append(line).Append('\n');
        }

        yield return (current.ToString(), firstLine);
    }

    private static string StripComments(string document)
    {
        var text = new StringBuilder();
        foreach (var line in document.Split('\n'))
        {
            if (!line.TrimStart().StartsWith('#'))
            {
                text.Append(line).Append('\n');
            }
        }

        return text.ToString();
    }
}
