namespace Mesh.Kubernetes.TestServer.Internal.Authorization;

/// <summary>
/// What a request asks to do, as the real server's authorizers see it: a verb on a resource (group, resource,
/// subresource, namespace, name), or a verb on a non-resource path (Path set, the rest empty).
/// </summary>
internal sealed record AccessAttributes(string Verb, string Group, string Resource, string? Subresource, string? Namespace, string? Name, string? Path)
{
    public static AccessAttributes NonResource(string verb, string path) => new(verb, "", "", null, null, null, path);

    /// <summary>The attributes of an HTTP request on a resource URL (the verb from the method, watch and whether a name is given).</summary>
    public static AccessAttributes Of(ResourceRequest request, string method, bool watch)
    {
        var item = request.Name is not null;
        var verb = method switch
        {
            // Since Kubernetes 1.31 a WebSocket GET on a connect subresource needs create, as the SPDY POST always did.
            "GET" when request.Subresource == "portforward" => "create",
            "GET" when !item && watch => "watch",
            "GET" => item ? "get" : "list",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => item ? "delete" : "deletecollection",
            _ => method.ToLowerInvariant(),
        };
        return new(verb, request.Type.Group, request.Type.Plural, request.Subresource, request.Namespace, request.Name, null);
    }
}
