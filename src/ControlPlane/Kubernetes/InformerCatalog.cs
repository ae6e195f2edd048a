namespace Mesh.ControlPlane.Kubernetes;

/// <summary>Every informer the control plane runs, whoever started it, for <c>/debug/informerz</c>.</summary>
internal sealed class InformerCatalog
{
    private readonly Lock _gate = new();
    private IInformerStatus[] _informers = [];

    public void Add(IInformerStatus informer)
    {
        lock (_gate) _informers = [.. _informers, informer];
    }

    public IReadOnlyList<IInformerStatus> Informers => Volatile.Read(ref _informers);
}
