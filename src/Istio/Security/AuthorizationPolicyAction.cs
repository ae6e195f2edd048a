namespace Mesh.Istio.Security;

/// <summary>What an authorization policy does with requests its rules match.</summary>
public enum AuthorizationPolicyAction
{
    /// <summary>Istio: <c>ALLOW</c>.</summary>
    Allow,
    /// <summary>Istio: <c>DENY</c>.</summary>
    Deny,
    /// <summary>Istio: <c>AUDIT</c>.</summary>
    Audit,
    /// <summary>Istio: <c>CUSTOM</c>.</summary>
    Custom,
}
