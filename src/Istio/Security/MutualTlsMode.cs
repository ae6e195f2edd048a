namespace Mesh.Istio.Security;

/// <summary>The peer authentication mode of a workload's inbound traffic.</summary>
public enum MutualTlsMode
{
    /// <summary>Istio: <c>UNSET</c>.</summary>
    Unset,
    /// <summary>Istio: <c>DISABLE</c>.</summary>
    Disable,
    /// <summary>Istio: <c>PERMISSIVE</c>.</summary>
    Permissive,
    /// <summary>Istio: <c>STRICT</c>.</summary>
    Strict,
}
