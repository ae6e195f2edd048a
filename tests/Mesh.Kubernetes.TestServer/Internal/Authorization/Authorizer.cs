namespace Mesh.Kubernetes.TestServer.Internal.Authorization;

/// <summary>
/// Decides whether a caller may do something. The admin token may do anything (system:masters). Every authenticated
/// caller gets what the real server's bootstrap ClusterRoles give system:authenticated: discovery (system:discovery,
/// system:public-info-viewer) and self reviews (system:basic-user). Nothing else is granted: this server has no RBAC.
/// </summary>
internal sealed class Authorizer
{
    public const string NoRbacReason = "this test API server has no RBAC: only its admin token is authorized beyond discovery and self reviews";

    public (bool Allowed, string Reason) Authorize(Caller caller, AccessAttributes attributes)
    {
        if (caller.IsAdmin || Bootstrap(attributes))
        {
            return (true, "");
        }
        return (false, NoRbacReason);
    }

    /// <summary>What the bootstrap roles bound to system:authenticated allow.</summary>
    private static bool Bootstrap(AccessAttributes attributes)
    {
        if (attributes.Path is { } path)
        {
            return attributes.Verb == "get" && path switch
            {
                "/api" or "/apis" or "/version" or "/version/" or "/healthz" or "/livez" or "/readyz" or "/openapi" => true,
                _ => path.StartsWith("/api/", StringComparison.Ordinal) || path.StartsWith("/apis/", StringComparison.Ordinal)
                    || path.StartsWith("/openapi/", StringComparison.Ordinal),
            };
        }
        return attributes is { Verb: "create", Group: "authorization.k8s.io", Subresource: null }
            && attributes.Resource is "selfsubjectaccessreviews" or "selfsubjectrulesreviews";
    }
}
