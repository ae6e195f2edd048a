namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// A resource URL taken apart: /api/v1[/namespaces/NS]/PLURAL[/NAME[/SUB]] or /apis/G/V[/namespaces/NS]/PLURAL[/NAME[/SUB]].
/// The subresources served: status (kinds that have it) and pods/portforward.
/// </summary>
internal sealed record ResourceRequest(ResourceType Type, string Version, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>Parses the path; null when it is not a resource path this catalog serves.</summary>
    public static ResourceRequest? Parse(string path, ResourceCatalog catalog)
    {
        var segments = path.Trim('/').Split('/');
        string group;
        string version;
        int rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            group = "";
            version = segments[1];
            rest = 2;
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            group = segments[1];
            version = segments[2];
            rest = 3;
        }
        else
        {
            return null;
        }
        string? ns = null;
        // namespaces/NS/PLURAL... addresses namespaced content; namespaces/NS[/status|/finalize] the namespace itself.
        if (segments.Length - rest >= 3 && segments[rest] == "namespaces" && segments[rest + 2] is not ("status" or "finalize"))
        {
            ns = segments[rest + 1];
            rest += 2;
        }
        var remaining = segments.Length - rest;
        if (remaining is < 1 or > 3)
        {
            return null;
        }
        var type = catalog.Find(group, version, segments[rest]);
        if (type is null || (type.Namespaced && ns is null && remaining > 1) || (!type.Namespaced && ns is not null))
        {
            return null;
        }
        var name = remaining >= 2 ? segments[rest + 1] : null;
        var sub = remaining == 3 ? segments[rest + 2] : null;
        if (sub is not null && !(sub == "status" && type.HasStatus) && !(sub == "portforward" && type.Key == "pods"))
        {
            return null;
        }
        return new ResourceRequest(type, version, ns, name, sub);
    }
}
