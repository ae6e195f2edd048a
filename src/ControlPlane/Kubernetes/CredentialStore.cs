using k8s.Models;
using Mesh.ControlPlane.Model;
using Mesh.Istio;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The gateway credentials the cluster's Secrets hold, by <c>namespace/name</c>, rebuilt from the Secret informer's
/// (trimmed) cache: a Secret is parsed again only when its resourceVersion changed, and each change names the Secret's
/// key so that only the gateways using it are pushed.
/// </summary>
internal sealed class CredentialStore
{
    private Dictionary<string, TlsCredentialModel> _current = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, TlsCredentialModel> Current => _current;

    /// <summary>Reads the Secrets now held; adds the key of every credential added, changed or removed to <paramref name="changed"/>.</summary>
    public int Update(IReadOnlyList<V1Secret> secrets, HashSet<ConfigKey> changed)
    {
        var next = new Dictionary<string, TlsCredentialModel>(StringComparer.Ordinal);
        var count = 0;
        foreach (var secret in secrets)
        {
            var id = $"{secret.Metadata.NamespaceProperty}/{secret.Metadata.Name}";
            if (_current.TryGetValue(id, out var previous) && previous.ResourceVersion == (secret.Metadata.ResourceVersion ?? ""))
            {
                next[id] = previous;
                continue;
            }
            if (SecretCredentials.Read(secret) is not { } credential) continue;
            next[id] = credential;
            changed.Add(Key(credential));
            count++;
        }
        foreach (var (id, previous) in _current)
        {
            if (next.ContainsKey(id)) continue;
            changed.Add(Key(previous));
            count++;
        }
        _current = next;
        return count;
    }

    private static ConfigKey Key(TlsCredentialModel credential) => new(TlsCredentialModel.SecretKind, credential.Namespace, credential.Name);
}
