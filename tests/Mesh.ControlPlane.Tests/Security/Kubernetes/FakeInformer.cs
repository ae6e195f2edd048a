using System.Collections.Concurrent;
using k8s;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;

namespace Mesh.ControlPlane.Tests.Security.Kubernetes;

/// <summary>An informer whose cache a test fills and changes, raising the events a watch would.</summary>
internal sealed class FakeInformer<T>(string name) : IInformer<T> where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<(string?, string), T> _cache = new();
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public string Name => name;
    public bool HasSynced => _synced.Task.IsCompleted;
    public event Action<InformerEventKind, T>? Changed;

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);
    public IReadOnlyList<T> List() => [.. _cache.Values];
    public T? Get(string? ns, string name) => _cache.TryGetValue((ns, name), out var item) ? item : null;

    public void Sync() => _synced.TrySetResult();

    public void Set(T item)
    {
        var added = _cache.TryAdd((item.Namespace(), item.Name()), item);
        if (!added) _cache[(item.Namespace(), item.Name())] = item;
        if (HasSynced) Changed?.Invoke(added ? InformerEventKind.Added : InformerEventKind.Modified, item);
    }

    public void Delete(string? ns, string name)
    {
        if (_cache.TryRemove((ns, name), out var item) && HasSynced) Changed?.Invoke(InformerEventKind.Deleted, item);
    }
}
