namespace Mesh.ControlPlane.Discovery;

/// <summary>Why a push was triggered; the names are istiod's trigger reasons, as <c>pilot_push_triggers</c> labels them.</summary>
[Flags]
internal enum PushReasons
{
    None = 0,

    /// <summary>"config": Istio resources changed.</summary>
    Config = 1 << 0,

    /// <summary>"global": everything is rebuilt (the control plane started).</summary>
    Global = 1 << 1,
}
