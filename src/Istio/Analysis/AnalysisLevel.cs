namespace Mesh.Istio.Analysis;

/// <summary>How serious an analysis message is, as istioctl analyze grades them.</summary>
public enum AnalysisLevel
{
    /// <summary>The config does not do what it says (a reference to nothing, a conflict).</summary>
    Error,

    /// <summary>The config is served, but part of it is ignored or cannot be reached.</summary>
    Warning,

    /// <summary>Worth knowing; nothing is lost.</summary>
    Info,
}
