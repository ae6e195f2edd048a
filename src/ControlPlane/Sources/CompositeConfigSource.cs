using Mesh.Istio;
using Mesh.Istio.Analysis;

namespace Mesh.ControlPlane.Sources;

/// <summary>
/// Several sources served as one (a folder of YAML beside the cluster): the resources and rejections of all, the
/// analyzer run on them together, the platform registry of the one that has it, and every source's changes.
/// </summary>
internal sealed class CompositeConfigSource : IConfigSource
{
    private readonly IConfigSource[] _sources;
    private readonly Lock _gate = new();
    private ConfigState _current = ConfigState.Empty;

    public CompositeConfigSource(params IConfigSource[] sources)
    {
        if (sources.Length == 0) throw new ArgumentException("At least one config source is needed.", nameof(sources));
        _sources = sources;
    }

    public ConfigState Current => Volatile.Read(ref _current);

    public event Action<ConfigChange>? Changed;

    public void Start()
    {
        foreach (var source in _sources)
        {
            source.Changed += OnChanged;
            source.Start();
        }
        lock (_gate) Volatile.Write(ref _current, Merge());
    }

    private void OnChanged(ConfigChange change)
    {
        // Merged under the lock so two sources changing at once cannot publish an older merge last.
        lock (_gate) Volatile.Write(ref _current, Merge());
        Changed?.Invoke(change);
    }

    private ConfigState Merge()
    {
        var resources = new List<IstioResource>();
        var rejections = new List<ConfigRejection>();
        var registry = Model.PlatformRegistry.Empty;
        IReadOnlyDictionary<string, Model.TlsCredentialModel>? credentials = null;
        foreach (var source in _sources)
        {
            var state = source.Current;
            resources.AddRange(state.Resources);
            rejections.AddRange(state.Rejections);
            if (state.Registry.Services.Count > 0 || state.Registry.Workloads.Count > 0) registry = state.Registry;
            credentials ??= state.Credentials;
        }
        // One source alone keeps its own analysis; together, references across them (a VirtualService in the cluster
        // naming a Gateway in the folder) are analyzed as one config.
        var messages = _sources.Length == 1 ? _sources[0].Current.Messages : MeshAnalyzer.Analyze(resources, registry.Hosts());
        return new ConfigState(resources, rejections) { Registry = registry, Messages = messages, Credentials = credentials };
    }

    public void Dispose()
    {
        foreach (var source in _sources) source.Dispose();
    }
}
