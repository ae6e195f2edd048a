namespace Mesh.ControlPlane.Model;

/// <summary>Istio's names of the mesh settings' values, for logs and docs.</summary>
internal static class MeshSettingsNames
{
    public static string Name(OutboundTrafficPolicyMode mode) => mode == OutboundTrafficPolicyMode.RegistryOnly ? "REGISTRY_ONLY" : "ALLOW_ANY";
}
