using Mesh.Istio;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Sources;

/// <summary>
/// Serves a folder of Istio YAML, watched for changes. Each file keeps its last good content: a file that fails to
/// parse or validate is reported error by error and its previous resources keep serving, while other files apply.
/// A change reports the keys of every resource the re-read files served before or serve now.
/// </summary>
internal sealed class FolderConfigSource : IConfigSource
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    private readonly string _directory;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly SortedDictionary<string, FileState> _files = new(StringComparer.Ordinal);
    private readonly HashSet<string> _dirty = new(StringComparer.Ordinal);
    private readonly Debouncer _reloadDebouncer;
    private FileSystemWatcher? _watcher;
    private bool _rescanAll;
    private ConfigState _current = ConfigState.Empty;

    /// <param name="settle">How long a file must stay unchanged before it is read, so a file being written is read once, whole.</param>
    public FolderConfigSource(string directory, ILogger<FolderConfigSource> logger, TimeProvider time, TimeSpan settle)
    {
        _directory = Path.GetFullPath(directory);
        _logger = logger;
        _reloadDebouncer = new Debouncer(settle, settle * 10, time, _ => ReloadDirty());
    }

    public ConfigState Current => Volatile.Read(ref _current);

    public event Action<ConfigChange>? Changed;

    public void Start()
    {
        if (!Directory.Exists(_directory)) throw new DirectoryNotFoundException($"Config directory '{_directory}' does not exist.");
        _watcher = new FileSystemWatcher(_directory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Created += (_, e) => MarkDirty(e.FullPath);
        _watcher.Changed += (_, e) => MarkDirty(e.FullPath);
        _watcher.Deleted += (_, e) => MarkDirty(e.FullPath);
        // Editors that save by writing a temporary file and renaming it over the original land here.
        _watcher.Renamed += (_, e) => { MarkDirty(e.OldFullPath); MarkDirty(e.FullPath); };
        _watcher.Error += (_, e) => OnWatcherError(e.GetException());
        _watcher.EnableRaisingEvents = true;

        // Read after the watcher is on, so a change made meanwhile is not missed (at worst it is read twice).
        lock (_gate) _rescanAll = true;
        ReloadDirty();
    }

    private void MarkDirty(string path)
    {
        // A directory event (created, renamed, removed with its files) may hide file events: look at everything.
        var isConfigFile = IsConfigFile(path);
        lock (_gate)
        {
            if (isConfigFile) _dirty.Add(path);
            else _rescanAll = true;
        }
        _reloadDebouncer.Signal();
    }

    private void OnWatcherError(Exception exception)
    {
        // The kernel queue overflowed: events were lost, so every file must be looked at again.
        SourcesLog.WatcherFailed(_logger, _directory, exception);
        lock (_gate) _rescanAll = true;
        _reloadDebouncer.Signal();
    }

    private void ReloadDirty()
    {
        ConfigState state;
        HashSet<ConfigKey> touched = [];
        lock (_gate)
        {
            if (_rescanAll)
            {
                _rescanAll = false;
                foreach (var known in _files.Keys) _dirty.Add(known);
                if (Directory.Exists(_directory))
                {
                    foreach (var path in Directory.EnumerateFiles(_directory, "*", SearchOption.AllDirectories))
                    {
                        if (IsConfigFile(path)) _dirty.Add(path);
                    }
                }
            }
            if (_dirty.Count == 0) return;
            foreach (var path in _dirty) Reload(path, touched);
            _dirty.Clear();
            state = Compose(out var servingFiles);
            Volatile.Write(ref _current, state);
            SourcesLog.ConfigLoaded(_logger, state.Resources.Count, servingFiles, state.Rejections.Count);
        }
        Changed?.Invoke(new ConfigChange(touched));
    }

    /// <summary>Reads one file again; <paramref name="touched"/> gets the keys of what it served before and serves now.</summary>
    private void Reload(string path, HashSet<ConfigKey> touched)
    {
        var name = DisplayName(path);
        _files.TryGetValue(path, out var previous);
        if (previous is not null)
        {
            foreach (var resource in previous.Resources) touched.Add(resource.Key);
        }
        if (!File.Exists(path))
        {
            if (previous is null) return;
            _files.Remove(path);
            SourcesLog.FileRemoved(_logger, name, previous.Resources.Count);
            return;
        }

        var result = IstioConfigLoader.LoadFile(path);
        foreach (var warning in result.Warnings) SourcesLog.FileWarning(_logger, Relative(warning).ToString());
        if (result.Errors.Count == 0)
        {
            var resources = new List<IstioResource>(result.Resources.Count);
            foreach (var resource in result.Resources)
            {
                resources.Add(resource with { Source = resource.Source with { File = name } });
                touched.Add(resource.Key);
            }
            _files[path] = new FileState(resources, []);
            return;
        }

        var errors = new List<ConfigError>(result.Errors.Count);
        foreach (var error in result.Errors)
        {
            var relative = Relative(error);
            errors.Add(relative);
            SourcesLog.FileError(_logger, relative.ToString());
        }
        var lastGood = previous?.Resources ?? [];
        SourcesLog.FileRejected(_logger, name, errors.Count, lastGood.Count);
        _files[path] = new FileState(lastGood, errors);
    }

    private ConfigState Compose(out int servingFiles)
    {
        var resources = new List<IstioResource>();
        var rejections = new List<ConfigRejection>();
        servingFiles = 0;
        foreach (var (path, file) in _files)
        {
            resources.AddRange(file.Resources);
            if (file.Resources.Count > 0) servingFiles++;
            if (file.Errors.Count > 0) rejections.Add(new ConfigRejection(DisplayName(path), file.Errors, file.Resources.Count));
        }
        return new ConfigState(resources, rejections);
    }

    /// <summary>Errors name files relative to the folder, the way people refer to them.</summary>
    private ConfigError Relative(ConfigError error) => error with { File = DisplayName(error.File) };

    private string DisplayName(string path) =>
        Path.IsPathFullyQualified(path) ? Path.GetRelativePath(_directory, path) : path;

    private static bool IsConfigFile(string path)
    {
        var name = Path.GetFileName(path);
        // Editors' hidden swap and backup files are not config.
        if (name.StartsWith('.')) return false;
        return Array.IndexOf(Extensions, Path.GetExtension(name).ToLowerInvariant()) >= 0;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _reloadDebouncer.Dispose();
    }

    private sealed record FileState(IReadOnlyList<IstioResource> Resources, IReadOnlyList<ConfigError> Errors);
}
