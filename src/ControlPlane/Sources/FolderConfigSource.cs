using Mesh.Istio;
using Mesh.Istio.Analysis;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Sources;

/// <summary>
/// Serves a folder of Istio YAML, watched for changes. Each file keeps its last good content: a file that fails to
/// parse or validate is reported error by error and its previous resources keep serving, while other files apply.
/// A change reports the keys of the resources whose content changed (added, removed or edited); a re-read that
/// changes nothing raises no change.
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
    private readonly ConfigInputLimits _limits;
    private FileSystemWatcher? _watcher;
    private bool _rescanAll;
    private ConfigState _current = ConfigState.Empty;
    // The analyzer's messages already logged, so each is logged once while it lasts, not on every reload.
    private HashSet<string> _loggedMessages = new(StringComparer.Ordinal);

    /// <param name="settle">How long a file must stay unchanged before it is read, so a file being written is read once, whole.</param>
    /// <param name="limits">What one file may hold; a file past them is rejected like any broken file.</param>
    public FolderConfigSource(string directory, ILogger<FolderConfigSource> logger, TimeProvider time, TimeSpan settle, ConfigInputLimits? limits = null)
    {
        _directory = Path.GetFullPath(directory);
        _logger = logger;
        _limits = limits ?? ConfigInputLimits.Default;
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
        lock (_gate)
        {
            if (IsConfigFile(path)) _dirty.Add(path);
            // A directory event (created, renamed, removed with its files) may hide file events: look at everything.
            else if (MayHoldConfigFiles(path)) _rescanAll = true;
            // Another kind of file (an editor's or a tool's temporary file, saved by renaming it over the original): nothing to read.
            else return;
        }
        _reloadDebouncer.Signal();
    }

    /// <summary>
    /// Whether a path that is not a config file is a directory now or was the folder of a file read before. Not one
    /// that is a file, or that is gone without having held one: rescanning a folder of thousands of files on every
    /// temporary file made each atomic save cost as much as a restart.
    /// </summary>
    private bool MayHoldConfigFiles(string path)
    {
        if (Directory.Exists(path)) return true;
        if (File.Exists(path)) return false;
        var folder = Path.TrimEndingDirectorySeparator(path) + Path.DirectorySeparatorChar;
        foreach (var known in _files.Keys)
        {
            if (known.StartsWith(folder, StringComparison.Ordinal)) return true;
        }
        return false;
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
        HashSet<ConfigKey> changed = [];
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
            foreach (var path in _dirty) Reload(path, changed);
            _dirty.Clear();
            state = Compose(out var servingFiles);
            Volatile.Write(ref _current, state);
            SourcesLog.ConfigLoaded(_logger, state.Resources.Count, servingFiles, state.Rejections.Count);
            LogNewMessages(state.Messages);
        }
        // A touched file whose resources all read the same (a save without edits, a rejected edit) changes nothing.
        if (changed.Count > 0) Changed?.Invoke(new ConfigChange(changed));
    }

    /// <summary>Reads one file again; <paramref name="changed"/> gets the keys of the resources it added, removed or changed.</summary>
    private void Reload(string path, HashSet<ConfigKey> changed)
    {
        _files.TryGetValue(path, out var previous);
        var before = previous?.Resources ?? [];
        var after = Read(path, previous);
        if (after is not null) ChangedKeys.Add(before, after.Resources, changed);
    }

    /// <summary>The file's new state (its last good resources when it is rejected now); null when it is gone and was never read.</summary>
    private FileState? Read(string path, FileState? previous)
    {
        var name = DisplayName(path);
        if (!File.Exists(path))
        {
            if (previous is null) return null;
            _files.Remove(path);
            SourcesLog.FileRemoved(_logger, name, previous.Resources.Count);
            return new FileState([], []);
        }

        var result = IstioConfigLoader.LoadFile(path, _limits);
        foreach (var warning in result.Warnings) SourcesLog.FileWarning(_logger, Relative(warning).ToString());
        if (result.Errors.Count == 0)
        {
            var resources = new List<IstioResource>(result.Resources.Count);
            foreach (var resource in result.Resources) resources.Add(resource with { Source = resource.Source with { File = name } });
            return _files[path] = new FileState(resources, []);
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
        return _files[path] = new FileState(lastGood, errors);
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
        return new ConfigState(resources, rejections) { Messages = MeshAnalyzer.Analyze(resources) };
    }

    /// <summary>Logs the messages the last reload brought; one that went away and comes back is logged again.</summary>
    private void LogNewMessages(IReadOnlyList<AnalysisMessage> messages)
    {
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            var text = message.ToString();
            if (!current.Add(text) || _loggedMessages.Contains(text)) continue;
            SourcesLog.Analysis(_logger, message.Type.Level == AnalysisLevel.Info ? LogLevel.Information : LogLevel.Warning, text);
        }
        _loggedMessages = current;
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
