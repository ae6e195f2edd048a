namespace Mesh.ControlPlane.Sources;

/// <summary>Where Istio configuration comes from (a watched folder today, a Kubernetes informer next): the latest accepted state and a change signal.</summary>
internal interface IConfigSource : IDisposable
{
    /// <summary>The configuration accepted so far; replaced whole on every change.</summary>
    ConfigState Current { get; }

    /// <summary>Raised, on any thread, after <see cref="Current"/> was replaced.</summary>
    event Action? Changed;

    /// <summary>Reads the initial configuration (so <see cref="Current"/> is complete when this returns) and starts watching.</summary>
    void Start();

    /// <summary>Local mode's stand-in for Kubernetes Secrets: a Gateway's credentialName is the folder credentials/&lt;name&gt; under this one.</summary>
    string CredentialRoot { get; }
}
