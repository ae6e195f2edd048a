using k8s;
using k8s.Models;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>What a watch event did to an informer's cache.</summary>
internal enum InformerEventKind
{
    Added,
    Modified,
    Deleted,
}

/// <summary>
/// A local cache of one kind of Kubernetes object, filled by list and kept current by watch (client-go's informer, on
/// KubernetesClient's list/watch). Reads never call the API server.
/// </summary>
internal interface IInformer<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>What the cache holds, for logs and <c>/debug/informerz</c>: "v1/services", "networking.istio.io/v1/virtualservices".</summary>
    string Name { get; }

    /// <summary>True once the first list has filled the cache.</summary>
    bool HasSynced { get; }

    /// <summary>Completes when the first list has filled the cache.</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);

    /// <summary>Every cached object (a copy of the list; the objects are shared and must not be changed).</summary>
    IReadOnlyList<T> List();

    /// <summary>The cached object, or null; <paramref name="ns"/> is null for cluster-scoped kinds.</summary>
    T? Get(string? ns, string name);

    /// <summary>Raised after the cache changed, on the informer's own thread, one event at a time. A relist raises what it changed.</summary>
    event Action<InformerEventKind, T>? Changed;
}
