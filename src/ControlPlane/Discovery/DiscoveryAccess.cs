using Grpc.Core;
using Mesh.Contracts.Discovery;
using Mesh.ControlPlane.Model;
using Mesh.ControlPlane.Monitoring;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Discovery;

/// <summary>
/// Decides who may open a discovery stream and keep it: authenticates the caller, checks the node it claims when the
/// stream opens and again against each new snapshot, and refuses with a status, one log line and a counted failure.
/// </summary>
internal sealed class DiscoveryAccess(DiscoveryAuthenticator authenticator, ControlPlaneMetrics metrics, ILogger logger)
{
    private const string Nobody = "nobody";

    /// <summary>
    /// The caller the stream runs as (null: anonymous, where allowed). Throws INVALID_ARGUMENT for a node whose id
    /// contradicts its fields, UNAUTHENTICATED without a valid credential, PERMISSION_DENIED for another identity's node.
    /// </summary>
    public async ValueTask<DiscoveryCaller?> AdmitAsync(Node node, string peer, ServerCallContext context, MeshSnapshot? snapshot)
    {
        var expected = NodeAuthorization.ExpectedId(node);
        if (node.Id != expected)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"node.id '{node.Id}' contradicts the node's role, workload and namespace: expected '{expected}'"));
        }

        DiscoveryCaller? caller;
        try
        {
            caller = await authenticator.AuthenticateAsync(context);
        }
        catch (RpcException refusal)
        {
            throw Refuse(refusal.StatusCode, refusal.Status.Detail, peer, node.Id, Nobody);
        }

        if (caller is not null && NodeAuthorization.Check(node, caller.Identity, snapshot) is { } reason)
        {
            throw Refuse(StatusCode.PermissionDenied, reason, peer, node.Id, caller.Identity.Uri);
        }

        return caller;
    }

    /// <summary>
    /// Before config is generated from a new snapshot: the node must still be one the caller may claim (its WorkloadEntry
    /// may have appeared, or changed service account, since the stream opened). Throws PERMISSION_DENIED, ending the stream.
    /// </summary>
    public void Recheck(ProxyConnection connection, MeshSnapshot snapshot)
    {
        if (connection.Caller is { } caller && NodeAuthorization.Check(connection.Node, caller.Identity, snapshot) is { } reason)
        {
            throw Refuse(StatusCode.PermissionDenied, reason, connection.Peer, connection.Node.Id, caller.Identity.Uri);
        }
    }

    private RpcException Refuse(StatusCode status, string reason, string peer, string nodeId, string identity)
    {
        metrics.RecordAuthFailure(status);
        DiscoveryLog.Refused(logger, peer, nodeId, identity, status.ToString(), reason);
        return new RpcException(new Status(status, reason));
    }
}
