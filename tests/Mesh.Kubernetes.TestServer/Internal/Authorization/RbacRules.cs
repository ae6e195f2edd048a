using System.Text.Json.Nodes;

namespace Mesh.Kubernetes.TestServer.Internal.Authorization;

/// <summary>
/// rbac.authorization.k8s.io/v1 as the real RBAC authorizer evaluates it, over the stored objects: every
/// ClusterRoleBinding, and the RoleBindings of the request's namespace, whose subjects name the caller (ServiceAccount
/// by name and namespace, User, Group), grant the rules of their roleRef (a ClusterRole, or a Role of the binding's
/// namespace). A rule allows when its verbs, apiGroups and resources ("*", "R", "R/SUB", "*/SUB") match and its
/// resourceNames (when given) name the object; nonResourceURLs ("*", exact, or "PREFIX*") for paths. Reasons are the
/// real server's: "RBAC: allowed by ..." when allowed, the missing roles when a binding points nowhere.
/// Not done: aggregationRule (an aggregated ClusterRole has only the rules stored in it).
/// </summary>
internal sealed class RbacRules(ObjectStore store, ResourceCatalog catalog)
{
    private readonly ResourceType _clusterRoleBindings = catalog.FindByKey("clusterrolebindings.rbac.authorization.k8s.io")!;
    private readonly ResourceType _roleBindings = catalog.FindByKey("rolebindings.rbac.authorization.k8s.io")!;
    private readonly ResourceType _clusterRoles = catalog.FindByKey("clusterroles.rbac.authorization.k8s.io")!;
    private readonly ResourceType _roles = catalog.FindByKey("roles.rbac.authorization.k8s.io")!;

    public (bool Allowed, string Reason) Authorize(Caller caller, AccessAttributes attributes)
    {
        var missing = new List<string>();
        var (clusterBindings, _) = store.List(_clusterRoleBindings, null, LabelSelector.Everything, FieldSelector.Everything);
        foreach (var binding in clusterBindings)
        {
            if (Grants(binding, null, caller, attributes, missing) is { } subject)
            {
                return (true, Allowed("ClusterRoleBinding", binding, null, subject));
            }
        }
        if (attributes.Namespace is { } ns)
        {
            var (bindings, _) = store.List(_roleBindings, ns, LabelSelector.Everything, FieldSelector.Everything);
            foreach (var binding in bindings)
            {
                if (Grants(binding, ns, caller, attributes, missing) is { } subject)
                {
                    return (true, Allowed("RoleBinding", binding, ns, subject));
                }
            }
        }
        return (false, missing.Count == 0 ? "" : "RBAC: [" + string.Join(", ", missing) + "]");
    }

    /// <summary>The subject (as the reason names it) through which the binding grants the request, or null.</summary>
    private string? Grants(JsonObject binding, string? ns, Caller caller, AccessAttributes attributes, List<string> missing)
    {
        if (MatchingSubject(binding["subjects"] as JsonArray, ns, caller) is not { } subject)
        {
            return null;
        }
        var roleRef = binding["roleRef"];
        var kind = roleRef?["kind"]?.GetValue<string>();
        var name = roleRef?["name"]?.GetValue<string>() ?? "";
        var role = kind switch
        {
            "ClusterRole" => store.Get(_clusterRoles, null, name),
            "Role" when ns is not null => store.Get(_roles, ns, name),
            _ => null,
        };
        if (role is null)
        {
            missing.Add(kind == "Role" ? $"role.rbac.authorization.k8s.io \"{name}\" not found" : $"clusterrole.rbac.authorization.k8s.io \"{name}\" not found");
            return null;
        }
        if (role["rules"] is JsonArray rules)
        {
            foreach (var rule in rules)
            {
                if (rule is JsonObject r && RuleAllows(r, attributes))
                {
                    return subject;
                }
            }
        }
        return null;
    }

    private static string? MatchingSubject(JsonArray? subjects, string? bindingNamespace, Caller caller)
    {
        if (subjects is null)
        {
            return null;
        }
        foreach (var subject in subjects)
        {
            var kind = subject?["kind"]?.GetValue<string>();
            var name = subject?["name"]?.GetValue<string>() ?? "";
            switch (kind)
            {
                case "ServiceAccount":
                    // A RoleBinding's ServiceAccount subject without a namespace means the binding's own (as the real server defaults it).
                    var ns = subject?["namespace"]?.GetValue<string>() is { Length: > 0 } given ? given : bindingNamespace ?? "";
                    if (caller.User == $"system:serviceaccount:{ns}:{name}")
                    {
                        return $"ServiceAccount \"{name}/{ns}\"";
                    }
                    break;
                case "User" when caller.User == name:
                    return $"User \"{name}\"";
                case "Group" when Array.IndexOf(caller.Groups, name) >= 0:
                    return $"Group \"{name}\"";
            }
        }
        return null;
    }

    private static bool RuleAllows(JsonObject rule, AccessAttributes attributes)
    {
        if (!Contains(rule["verbs"], attributes.Verb))
        {
            return false;
        }
        if (attributes.Path is { } path)
        {
            return NonResourceMatches(rule["nonResourceURLs"], path);
        }
        if (!Contains(rule["apiGroups"], attributes.Group) || !ResourceMatches(rule["resources"], attributes.Resource, attributes.Subresource))
        {
            return false;
        }
        if (rule["resourceNames"] is JsonArray { Count: > 0 } names)
        {
            return attributes.Name is { } name && Contains(names, name, wildcard: false);
        }
        return true;
    }

    private static bool ResourceMatches(JsonNode? resources, string resource, string? subresource)
    {
        var combined = subresource is null ? resource : resource + "/" + subresource;
        if (resources is not JsonArray array)
        {
            return false;
        }
        foreach (var value in array)
        {
            var text = value?.GetValue<string>();
            if (text == "*" || text == combined || (subresource is not null && text == "*/" + subresource))
            {
                return true;
            }
        }
        return false;
    }

    private static bool NonResourceMatches(JsonNode? urls, string path)
    {
        if (urls is not JsonArray array)
        {
            return false;
        }
        foreach (var value in array)
        {
            var text = value?.GetValue<string>() ?? "";
            if (text == "*" || text == path || (text.EndsWith('*') && path.StartsWith(text[..^1], StringComparison.Ordinal)))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Contains(JsonNode? values, string wanted, bool wildcard = true)
    {
        if (values is not JsonArray array)
        {
            return false;
        }
        foreach (var value in array)
        {
            var text = value?.GetValue<string>();
            if ((wildcard && text == "*") || text == wanted)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>The real authorizer's reason: RBAC: allowed by ClusterRoleBinding "B" (RoleBinding "B/NS") of KIND "ROLE" to SUBJECT.</summary>
    private static string Allowed(string bindingKind, JsonObject binding, string? ns, string subject)
    {
        var name = binding["metadata"]?["name"]?.GetValue<string>() + (ns is null ? "" : "/" + ns);
        var roleRef = binding["roleRef"];
        return $"RBAC: allowed by {bindingKind} \"{name}\" of {roleRef?["kind"]?.GetValue<string>()} \"{roleRef?["name"]?.GetValue<string>()}\" to {subject}";
    }
}
