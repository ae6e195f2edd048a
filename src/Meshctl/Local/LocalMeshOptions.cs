namespace Mesh.Meshctl.Local;

/// <summary>How to run a local mesh: where its files go, and what to change from the demo's defaults.</summary>
internal sealed record LocalMeshOptions
{
    /// <summary>The mesh writes config/ (the Istio YAML the control plane watches) under this folder.</summary>
    public required string WorkDir { get; init; }

    /// <summary>The gateway's port; 0 picks a free one.</summary>
    public int GatewayPort { get; init; }

    /// <summary>Makes both backend versions fail this share of requests with 503 (deterministically, evenly spread).</summary>
    public int BackendFailPercent { get; init; }

    /// <summary>Files to write into the config folder instead of (or beside) the demo's, same placeholders allowed.</summary>
    public IReadOnlyDictionary<string, string> ConfigOverrides { get; init; } = new Dictionary<string, string>();

    /// <summary>Receives one line per start-up step done ("control plane serving", ...).</summary>
    public Action<string> OnProgress { get; init; } = static _ => { };

    /// <summary>Receives every output line of every program, with the program's name (all of it also goes to logs/).</summary>
    public Action<string, string> OnOutputLine { get; init; } = static (_, _) => { };

    /// <summary>How long start-up may take before it is reported as failed.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}
