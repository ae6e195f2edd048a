namespace Mesh.Istio.Networking;

/// <summary>Whether a ServiceEntry's service is part of the mesh.</summary>
public enum ServiceEntryLocation
{
    /// <summary>Istio: <c>MESH_EXTERNAL</c>.</summary>
    MeshExternal,
    /// <summary>Istio: <c>MESH_INTERNAL</c>.</summary>
    MeshInternal,
}
