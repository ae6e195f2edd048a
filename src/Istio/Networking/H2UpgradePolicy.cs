namespace Mesh.Istio.Networking;

/// <summary>Whether HTTP/1.1 connections to a destination are upgraded to HTTP/2.</summary>
public enum H2UpgradePolicy
{
    /// <summary>Istio: <c>DEFAULT</c>.</summary>
    Default,
    /// <summary>Istio: <c>DO_NOT_UPGRADE</c>.</summary>
    DoNotUpgrade,
    /// <summary>Istio: <c>UPGRADE</c>.</summary>
    Upgrade,
}
