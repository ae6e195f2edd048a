using System.Globalization;
using System.Net;
using System.Text;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// What a kubelet gives a container as its environment: the in-cluster API server's address, <c>envFrom</c> ConfigMaps
/// and Secrets, then <c>env</c> in order, each value expanded against those before it; the downward API
/// (<c>fieldRef</c>, <c>resourceFieldRef</c>) and key references resolved from the pod and the API. A ConfigMap or
/// Secret that is not optional is waited for, up to a bound, as a kubelet retries a container it cannot configure yet.
/// </summary>
internal sealed class PodEnvironment(V1Pod pod, IKubernetes client, Uri apiServer, TimeSpan waitTimeout)
{
    public async Task<Dictionary<string, string>> ResolveAsync(V1Container container, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["KUBERNETES_SERVICE_HOST"] = apiServer.Host,
            ["KUBERNETES_SERVICE_PORT"] = apiServer.Port.ToString(CultureInfo.InvariantCulture),
            ["KUBERNETES_SERVICE_PORT_HTTPS"] = apiServer.Port.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var from in container.EnvFrom ?? [])
        {
            var prefix = from.Prefix ?? "";
            if (from.ConfigMapRef is { } configMapRef)
            {
                var map = await ConfigMapAsync(configMapRef.Name, configMapRef.Optional, cancellationToken);
                foreach (var (key, value) in map?.Data ?? new Dictionary<string, string>()) env[prefix + key] = value;
            }

            if (from.SecretRef is { } secretRef)
            {
                var secret = await SecretAsync(secretRef.Name, secretRef.Optional, cancellationToken);
                foreach (var (key, value) in secret?.Data ?? new Dictionary<string, byte[]>()) env[prefix + key] = Encoding.UTF8.GetString(value);
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            var value = variable.ValueFrom is { } source ? await ValueFromAsync(container, source, cancellationToken) : VariableExpansion.Expand(variable.Value ?? "", env);
            if (value is not null) env[variable.Name] = value;
        }

        return env;
    }

    /// <summary>A downward-API field of the pod, as env and downwardAPI volumes read it.</summary>
    public static string FieldValue(V1Pod pod, string path)
    {
        static string Pairs(IDictionary<string, string>? map) =>
            string.Join('\n', (map ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}=\"{p.Value}\""));
        static string? Keyed(IDictionary<string, string>? map, string path, string prefix) =>
            path.StartsWith(prefix, StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal)
                ? map?.TryGetValue(path[prefix.Length..^2], out var value) == true ? value : ""
                : null;

        return path switch
        {
            "metadata.name" => pod.Metadata.Name,
            "metadata.namespace" => pod.Metadata.NamespaceProperty,
            "metadata.uid" => pod.Metadata.Uid,
            "metadata.labels" => Pairs(pod.Metadata.Labels),
            "metadata.annotations" => Pairs(pod.Metadata.Annotations),
            "spec.nodeName" => pod.Spec.NodeName ?? "",
            "spec.serviceAccountName" => pod.Spec.ServiceAccountName ?? "default",
            "status.podIP" or "status.podIPs" => pod.Status?.PodIP ?? "",
            "status.hostIP" or "status.hostIPs" => pod.Status?.HostIP ?? "",
            _ => Keyed(pod.Metadata.Labels, path, "metadata.labels['")
                 ?? Keyed(pod.Metadata.Annotations, path, "metadata.annotations['")
                 ?? throw new NotSupportedException($"the test kubelet does not resolve the downward-API field {path}"),
        };
    }

    /// <summary>A resourceFieldRef: the container's limit or request in units of the divisor, rounded up; an unset limit is the machine's.</summary>
    public static string ResourceValue(V1Pod pod, V1Container self, V1ResourceFieldSelector selector)
    {
        var container = selector.ContainerName is { Length: > 0 } name ? pod.Spec.Containers.First(c => c.Name == name) : self;
        var parts = selector.Resource.Split('.');
        var map = parts[0] == "limits" ? container.Resources?.Limits : container.Resources?.Requests;
        decimal? set = map?.TryGetValue(parts[^1], out var quantity) == true ? quantity.ToDecimal() : null;
        var value = parts[^1] switch
        {
            "cpu" => set ?? (parts[0] == "limits" ? Environment.ProcessorCount : 0),
            "memory" => set ?? (parts[0] == "limits" ? GC.GetGCMemoryInfo().TotalAvailableMemoryBytes : 0),
            _ => throw new NotSupportedException($"the test kubelet does not resolve the resource {selector.Resource}"),
        };
        var divisor = selector.Divisor?.ToDecimal() is { } d and > 0 ? d : 1;
        return decimal.Ceiling(value / divisor).ToString(CultureInfo.InvariantCulture);
    }

    public static async Task<V1ConfigMap?> ReadConfigMapAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedConfigMapAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public static async Task<V1Secret?> ReadSecretAsync(IKubernetes client, string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<V1ConfigMap?> ConfigMapAsync(string name, bool? optional, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        V1ConfigMap? map = null;
        if (optional == true) return await ReadConfigMapAsync(client, ns, name, cancellationToken);
        await Wait.UntilAsync(async () => (map = await ReadConfigMapAsync(client, ns, name, cancellationToken)) is not null, waitTimeout,
            () => $"ConfigMap {ns}/{name}, which pod {pod.Metadata.Name}'s env reads", cancellationToken);
        return map;
    }

    private async Task<V1Secret?> SecretAsync(string name, bool? optional, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        V1Secret? secret = null;
        if (optional == true) return await ReadSecretAsync(client, ns, name, cancellationToken);
        await Wait.UntilAsync(async () => (secret = await ReadSecretAsync(client, ns, name, cancellationToken)) is not null, waitTimeout,
            () => $"Secret {ns}/{name}, which pod {pod.Metadata.Name}'s env reads", cancellationToken);
        return secret;
    }

    private async Task<string?> ValueFromAsync(V1Container container, V1EnvVarSource source, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        if (source.FieldRef is { } field) return FieldValue(pod, field.FieldPath);
        if (source.ResourceFieldRef is { } resource) return ResourceValue(pod, container, resource);
        if (source.ConfigMapKeyRef is { } configMapKey)
        {
            var map = await ConfigMapAsync(configMapKey.Name, configMapKey.Optional, cancellationToken);
            if (map?.Data?.TryGetValue(configMapKey.Key, out var value) == true) return value;
            return configMapKey.Optional == true ? null : throw new InvalidOperationException($"env: key {configMapKey.Key} of ConfigMap {ns}/{configMapKey.Name} not found");
        }

        if (source.SecretKeyRef is { } secretKey)
        {
            var secret = await SecretAsync(secretKey.Name, secretKey.Optional, cancellationToken);
            if (secret?.Data?.TryGetValue(secretKey.Key, out var value) == true) return Encoding.UTF8.GetString(value);
            return secretKey.Optional == true ? null : throw new InvalidOperationException($"env: key {secretKey.Key} of Secret {ns}/{secretKey.Name} not found");
        }

        throw new NotSupportedException($"container {container.Name}: an env valueFrom the test kubelet does not resolve");
    }
}
