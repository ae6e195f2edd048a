namespace Mesh.Kubernetes.TestServer.Internal.Authorization;

/// <summary>
/// Decides whether a caller may do something, as the real server's authorizer chain does. The admin token may do
/// anything (system:masters). Every authenticated caller gets what the bootstrap ClusterRoles give
/// system:authenticated: discovery (system:discovery, system:public-info-viewer) and self reviews (system:basic-user).
/// The rest is RBAC over the stored objects (<see cref="RbacRules"/>); what no rule allows is denied.
/// </summary>
internal sealed class Authorizer(RbacRules rbac)
{
    public (bool Allowed, string Reason) Authorize(Caller caller, AccessAttributes attributes)
    {
        if (caller.IsAdmin || Bootstrap(attributes))
        {
            return (true, "");
        }
        return rbac.Authorize(caller, attributes);
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
