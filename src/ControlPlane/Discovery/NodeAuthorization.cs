using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.Security;

namespace Mesh.ControlPlane.Discovery;

/// <summary>
/// Which node an authenticated identity may claim, as istiod's <c>checkConnectionIdentity</c>: one of its own namespace
/// and, where the node names a WorkloadEntry, one whose service account it is. istiod takes the service account from
/// the node's metadata, which the proxy writes itself; here it comes from the WorkloadEntry, which the mesh's config declares.
/// </summary>
internal static class NodeAuthorization
{
    /// <summary>The id a node's own fields give it ("sidecar~frontend-v1.default"): config is generated from those fields, so the id must not say otherwise.</summary>
    public static string ExpectedId(Node node) => $"{(node.Role == ProxyRole.Router ? "router" : "sidecar")}~{node.WorkloadName}.{node.Namespace}";

    /// <summary>
    /// Null when <paramref name="identity"/> may be <paramref name="node"/> under <paramref name="snapshot"/>, else why
    /// not. A node naming no WorkloadEntry (a gateway; a workload not declared yet) needs only the namespace, as in istiod.
    /// </summary>
    public static string? Check(Node node, SpiffeId identity, MeshSnapshot? snapshot)
    {
        if (node.Namespace != identity.Namespace)
        {
            return $"{identity.Uri} may not claim node {node.Id}: the node is in namespace '{node.Namespace}', the identity in '{identity.Namespace}'";
        }

        if (snapshot?.FindWorkloadEntry(node.Namespace, node.WorkloadName) is { } workload && workload.ServiceAccount != identity.ServiceAccount)
        {
            return $"{identity.Uri} may not claim node {node.Id}: WorkloadEntry {workload.Namespace}/{workload.Name} runs as service account '{workload.ServiceAccount}'";
        }

        return null;
    }
}
