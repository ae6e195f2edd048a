namespace Mesh.ControlPlane.Sources;

/// <summary>
/// Where Istio configuration comes from (a watched folder today, Kubernetes informers next). Carries only what every
/// source can give: the accepted resources, what was rejected and why, and which resources each change touched.
/// </summary>
internal interface IConfigSource : IDisposable
{
    /// <summary>The configuration accepted so far; replaced whole on every change.</summary>
    ConfigState Current { get; }

    /// <summary>Raised, on any thread, after <see cref="Current"/> was replaced, with the resources the change touched.</summary>
    event Action<ConfigChange>? Changed;

    /// <summary>Reads the initial configuration (so <see cref="Current"/> is complete when this returns) and starts watching.</summary>
    void Start();
}
