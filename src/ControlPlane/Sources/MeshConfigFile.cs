using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Model;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Sources;

/// <summary>
/// Local mode's mesh config: Istio's MeshConfig YAML in a file (<c>--mesh-config</c>, istiod's mesh config file), read
/// at start and again whenever it changes, through the parser the istio ConfigMap goes through. The fields translation
/// reads are published to the model (<see cref="MeshSettingsSource"/>). A file that cannot be read or parsed is refused
/// with its field path and the last good mesh config keeps serving; at start it stops the control plane. Fields this
/// mesh does not act on in local mode are named in a log line.
/// </summary>
internal sealed class MeshConfigFile : IDisposable
{
    private readonly string _path;
    private readonly MeshSettingsSource _target;
    private readonly ILogger _logger;
    private readonly Debouncer _reload;
    private readonly Lock _gate = new();
    private FileSystemWatcher? _watcher;
    private string? _lastGood;

    /// <param name="settle">How long the file must stay unchanged before it is read, so a file being written is read once, whole.</param>
    public MeshConfigFile(string path, MeshSettingsSource target, ILogger<MeshConfigFile> logger, TimeProvider time, TimeSpan settle)
    {
        _path = Path.GetFullPath(path);
        _target = target;
        _logger = logger;
        _reload = new Debouncer(settle, settle * 10, time, _ => Reload());
    }

    /// <summary>Reads the file and starts watching it; throws <see cref="InvalidDataException"/> when it cannot be used.</summary>
    public void Start()
    {
        var directory = Path.GetDirectoryName(_path)!;
        if (!Directory.Exists(directory)) throw new InvalidDataException($"--mesh-config {_path}: the folder '{directory}' does not exist");
        _watcher = new FileSystemWatcher(directory, Path.GetFileName(_path))
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Created += (_, _) => _reload.Signal();
        _watcher.Changed += (_, _) => _reload.Signal();
        _watcher.Deleted += (_, _) => _reload.Signal();
        // Editors that save by writing a temporary file and renaming it over the original land here.
        _watcher.Renamed += (_, _) => _reload.Signal();
        _watcher.Error += (_, e) =>
        {
            MeshConfigFileLog.WatcherFailed(_logger, _path, e.GetException().Message);
            _reload.Signal();
        };
        _watcher.EnableRaisingEvents = true;

        // Read after the watcher is on, so a change made meanwhile is not missed (at worst it is read twice).
        lock (_gate)
        {
            if (Read() is { } problem) throw new InvalidDataException($"--mesh-config {_path}: {problem}");
        }
    }

    private void Reload()
    {
        lock (_gate)
        {
            if (Read() is { } problem) MeshConfigFileLog.Rejected(_logger, _path, problem, _lastGood is null ? "Istio's defaults" : "the file as last read");
        }
    }

    /// <summary>Reads and applies the file; returns why it was refused, or null when it took effect.</summary>
    private string? Read()
    {
        string text;
        try
        {
            var info = new FileInfo(_path);
            if (!info.Exists) return "the file does not exist";
            if (info.Length > MeshConfigParser.MaxBytes) return $"{info.Length} bytes, over the {MeshConfigParser.MaxBytes} a mesh config may hold";
            text = File.ReadAllText(_path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"cannot be read: {e.Message}";
        }

        if (text == _lastGood) return null;
        MeshConfigDocument document;
        try
        {
            document = MeshConfigParser.Parse(text);
        }
        catch (MeshConfigException e)
        {
            return $"{e.Path}: {e.Reason}";
        }

        _lastGood = text;
        var mode = document.OutboundTrafficPolicy ?? MeshSettings.Default.OutboundTrafficPolicy;
        var ignored = new List<string>();
        foreach (var field in document.Fields)
        {
            if (field is not (MeshConfigFields.OutboundTrafficPolicyMode or MeshConfigFields.ExtensionProviders)) ignored.Add(field);
        }

        // A Telemetry's tracing names its providers; only opentelemetry ones, at their service and port, take effect.
        foreach (var (name, provider) in document.TracingProviders.OrderBy(static p => p.Key, StringComparer.Ordinal))
        {
            if (provider.WithoutEffect is { } reason) ignored.Add($"{MeshConfigFields.ExtensionProviders} {name} ({reason})");
        }
        var usable = document.TracingProviders.Where(static p => p.Value.OtlpEndpoint is not null).Select(static p => $"{p.Key} ({p.Value.OtlpEndpoint})").Order(StringComparer.Ordinal);
        MeshConfigFileLog.Applied(_logger, _path, MeshSettingsNames.Name(mode), string.Join(", ", usable) is { Length: > 0 } named ? named : "none");
        if (ignored.Count > 0) MeshConfigFileLog.FieldsWithoutEffect(_logger, string.Join(", ", ignored), _path);
        _target.Publish(new MeshSettings(mode) { TracingProviders = new TracingProviderTable(document.TracingProviders) });
        return null;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _reload.Dispose();
    }
}
