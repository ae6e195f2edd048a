using System.Text;
using k8s;
using k8s.Models;
using Mesh.Kubernetes.TestServer;

namespace Mesh.EndToEnd.Tests.Cluster;

/// <summary>
/// A pod's volumes as folders on the host, bind-mounted into its containers: emptyDir (writable by any uid),
/// configMap, secret, downwardAPI and projected ones (service-account tokens issued by the test API server with their
/// audience and expiry), and the in-cluster service-account folder (token, ca.crt, namespace). A ConfigMap or Secret
/// that does not exist yet is waited for, as a kubelet does (the control plane writes <c>istio-ca-root-cert</c> only
/// once it runs), up to a bound. Written once: later changes to a ConfigMap and token refresh are not followed.
/// </summary>
internal sealed class PodVolumes(V1Pod pod, IKubernetes client, TestApiServer server, string root, TimeSpan waitTimeout)
{
    public const string ServiceAccountMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";

    /// <summary>The audience of tokens for the API server itself (a kube-api-access volume's).</summary>
    public const string ApiAudience = "https://kubernetes.default.svc.cluster.local";

    private const int DefaultMode = 420; // 0644, as Kubernetes' defaultMode
    private readonly Dictionary<string, string> _paths = new(StringComparer.Ordinal);

    /// <summary>The host folder of the in-cluster service-account files; null when the pod opted out of automounting.</summary>
    public string? ServiceAccountPath { get; private set; }

    public string PathOf(string volume) =>
        _paths.TryGetValue(volume, out var path) ? path : throw new InvalidOperationException($"pod {pod.Metadata.Name} mounts volume {volume}, which it does not declare");

    /// <summary>Writes every volume; <paramref name="waiting"/> hears what the pod waits for (for its status).</summary>
    public async Task PrepareAsync(Func<string, Task> waiting, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        foreach (var volume in pod.Spec.Volumes ?? [])
        {
            var dir = Path.Combine(root, "volumes", volume.Name);
            Directory.CreateDirectory(dir);
            _paths[volume.Name] = dir;
            if (volume.EmptyDir is not null)
            {
                SetMode(dir, 0x1FF); // 0777, as a kubelet makes an emptyDir
            }
            else if (volume.ConfigMap is { } configMap)
            {
                await WriteConfigMapAsync(dir, configMap.Name, configMap.Items, configMap.Optional, configMap.DefaultMode, waiting, cancellationToken);
            }
            else if (volume.Secret is { } secret)
            {
                await WriteSecretAsync(dir, secret.SecretName, secret.Items, secret.Optional, secret.DefaultMode, waiting, cancellationToken);
            }
            else if (volume.DownwardAPI is { } downward)
            {
                WriteDownward(dir, downward.Items, downward.DefaultMode);
            }
            else if (volume.Projected is { } projected)
            {
                foreach (var source in projected.Sources ?? [])
                {
                    if (source.ServiceAccountToken is { } token)
                    {
                        WriteFile(dir, token.Path, Encoding.UTF8.GetBytes(Token(token.Audience, token.ExpirationSeconds)), projected.DefaultMode);
                    }
                    else if (source.ConfigMap is { } projectedMap)
                    {
                        await WriteConfigMapAsync(dir, projectedMap.Name, projectedMap.Items, projectedMap.Optional, projected.DefaultMode, waiting, cancellationToken);
                    }
                    else if (source.Secret is { } projectedSecret)
                    {
                        await WriteSecretAsync(dir, projectedSecret.Name, projectedSecret.Items, projectedSecret.Optional, projected.DefaultMode, waiting, cancellationToken);
                    }
                    else if (source.DownwardAPI is { } projectedDownward)
                    {
                        WriteDownward(dir, projectedDownward.Items, projected.DefaultMode);
                    }
                    else
                    {
                        throw new NotSupportedException($"volume {volume.Name}: a projected source the test kubelet does not write");
                    }
                }
            }
            else
            {
                throw new NotSupportedException($"volume {volume.Name}: the test kubelet mounts emptyDir, configMap, secret, downwardAPI and projected volumes only");
            }
        }

        if (pod.Spec.AutomountServiceAccountToken != false)
        {
            ServiceAccountPath = server.WriteServiceAccountDirectory(Path.Combine(root, "serviceaccount"), ns,
                pod.Spec.ServiceAccountName ?? "default", pod.Metadata.Name);
        }
    }

    private string Token(string? audience, long? expirationSeconds) =>
        server.IssueServiceAccountToken(pod.Metadata.NamespaceProperty, pod.Spec.ServiceAccountName ?? "default",
            [audience is { Length: > 0 } ? audience : ApiAudience], TimeSpan.FromSeconds(expirationSeconds ?? 3600), pod.Metadata.Name);

    private async Task WriteConfigMapAsync(string dir, string name, IList<V1KeyToPath>? items, bool? optional, int? mode,
        Func<string, Task> waiting, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        V1ConfigMap? map = null;
        if (optional == true) map = await PodEnvironment.ReadConfigMapAsync(client, ns, name, cancellationToken);
        else
        {
            await waiting($"waiting for ConfigMap {ns}/{name}");
            await Wait.UntilAsync(async () => (map = await PodEnvironment.ReadConfigMapAsync(client, ns, name, cancellationToken)) is not null,
                waitTimeout, () => $"ConfigMap {ns}/{name}, which pod {pod.Metadata.Name} mounts", cancellationToken);
        }

        var data = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (key, value) in map?.Data ?? new Dictionary<string, string>()) data[key] = Encoding.UTF8.GetBytes(value);
        foreach (var (key, value) in map?.BinaryData ?? new Dictionary<string, byte[]>()) data[key] = value;
        WriteKeys(dir, $"ConfigMap {ns}/{name}", data, items, optional, mode);
    }

    private async Task WriteSecretAsync(string dir, string name, IList<V1KeyToPath>? items, bool? optional, int? mode,
        Func<string, Task> waiting, CancellationToken cancellationToken)
    {
        var ns = pod.Metadata.NamespaceProperty;
        V1Secret? secret = null;
        if (optional == true) secret = await PodEnvironment.ReadSecretAsync(client, ns, name, cancellationToken);
        else
        {
            await waiting($"waiting for Secret {ns}/{name}");
            await Wait.UntilAsync(async () => (secret = await PodEnvironment.ReadSecretAsync(client, ns, name, cancellationToken)) is not null,
                waitTimeout, () => $"Secret {ns}/{name}, which pod {pod.Metadata.Name} mounts", cancellationToken);
        }

        WriteKeys(dir, $"Secret {ns}/{name}", secret?.Data ?? new Dictionary<string, byte[]>(), items, optional, mode);
    }

    private static void WriteKeys(string dir, string what, IDictionary<string, byte[]> data, IList<V1KeyToPath>? items, bool? optional, int? mode)
    {
        if (items is not { Count: > 0 })
        {
            foreach (var (key, value) in data) WriteFile(dir, key, value, mode);
            return;
        }

        foreach (var item in items)
        {
            if (data.TryGetValue(item.Key, out var value)) WriteFile(dir, item.Path, value, item.Mode ?? mode);
            else if (optional != true) throw new InvalidOperationException($"{what} has no key {item.Key}");
        }
    }

    private void WriteDownward(string dir, IList<V1DownwardAPIVolumeFile>? items, int? mode)
    {
        foreach (var item in items ?? [])
        {
            var value = item.FieldRef is { } field ? PodEnvironment.FieldValue(pod, field.FieldPath)
                : item.ResourceFieldRef is { } resource ? PodEnvironment.ResourceValue(pod, pod.Spec.Containers[0], resource)
                : throw new NotSupportedException($"downwardAPI item {item.Path}: neither fieldRef nor resourceFieldRef");
            WriteFile(dir, item.Path, Encoding.UTF8.GetBytes(value), item.Mode ?? mode);
        }
    }

    private static void WriteFile(string dir, string relative, byte[] content, int? mode)
    {
        var path = Path.GetFullPath(Path.Combine(dir, relative));
        if (!path.StartsWith(Path.GetFullPath(dir) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"volume path {relative} leaves its volume");
        }

        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        SetMode(path, mode ?? DefaultMode);
    }

    private static void SetMode(string path, int mode)
    {
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, (UnixFileMode)mode);
    }
}
