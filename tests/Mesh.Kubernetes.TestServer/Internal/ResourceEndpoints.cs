using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Mesh.Kubernetes.TestServer.Internal.Admission;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// The verbs on a resource URL: get, list, create, update (PUT), delete, deletecollection, patch (in its own file),
/// and the status subresource. Objects are stored at the resource's preferred version and presented at the version asked for.
/// Every write takes dryRun=All: admission and validation run, and the answer is the object as it would be, with
/// nothing stored, published to watches or given a new resourceVersion.
/// </summary>
internal sealed partial class ResourceEndpoints(ObjectStore store, ResourceCatalog catalog, Defaults defaults, AdmissionChain admission)
{
    // The real server retries an unconditional write until it lands; this bound only stops a runaway loop.
    private const int UnconditionalRetries = 100;
    private readonly ResourceType _namespaces = catalog.FindByKey("namespaces")!;

    public async Task GetAsync(HttpContext context, ResourceRequest request)
    {
        var found = store.Get(request.Type, request.Namespace, request.Name!) ?? throw ApiException.NotFound(request.Type, request.Name!);
        await JsonResponses.WriteAsync(context, 200, Present(found, request));
    }

    public async Task ListAsync(HttpContext context, ResourceRequest request)
    {
        var query = context.Request.Query;
        var (items, version) = store.List(request.Type, request.Namespace, LabelSelector.Parse(query["labelSelector"]),
            FieldSelector.Parse(query["fieldSelector"]));
        var offset = 0;
        if (query["continue"].ToString() is { Length: > 0 } token)
        {
            offset = ParseContinue(token);
        }
        var limit = int.TryParse(query["limit"], NumberStyles.None, CultureInfo.InvariantCulture, out var l) && l > 0 ? l : int.MaxValue;
        var array = new JsonArray();
        var end = (int)Math.Min(items.Count, (long)offset + limit);
        for (var i = offset; i < end; i++)
        {
            array.Add(Present(items[i], request));
        }
        var metadata = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) };
        if (end < items.Count)
        {
            metadata["continue"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(end.ToString(CultureInfo.InvariantCulture)));
            metadata["remainingItemCount"] = items.Count - end;
        }
        await JsonResponses.WriteAsync(context, 200, new JsonObject
        {
            ["kind"] = request.Type.ListKind,
            ["apiVersion"] = request.Type.ApiVersion(request.Version),
            ["metadata"] = metadata,
            ["items"] = array,
        });
    }

    public async Task CreateAsync(HttpContext context, ResourceRequest request)
    {
        var obj = Accept(await JsonResponses.ReadObjectAsync(context), request);
        await CreateObjectAsync(context, request, obj, DryRun(context, "CreateOptions"));
    }

    private async Task CreateObjectAsync(HttpContext context, ResourceRequest request, JsonObject obj, bool dryRun)
    {
        if (request.Namespace is not null && store.Get(_namespaces, null, request.Namespace) is null)
        {
            // The real server's NamespaceLifecycle plugin refuses this before any webhook is called.
            throw ApiException.NamespaceNotFound(request.Namespace);
        }
        defaults.OnCreate(request.Type, obj);
        var name = obj["metadata"]!["name"]?.GetValue<string>() ?? "";
        var attributes = new AdmissionAttributes("CREATE", request, name, obj, null, "CreateOptions", dryRun, warning => Warn(context, warning));
        obj = Accept(await admission.MutateAsync(attributes, context.RequestAborted), request with { Version = request.Type.Versions[0] });
        if (name.Length == 0)
        {
            // Named before validating admission, as the real server names an object before its validating webhooks see it.
            name = ObjectNames.Generate(request.Type, obj["metadata"]!["generateName"]?.GetValue<string>());
            obj["metadata"]!["name"] = name;
        }
        NameValidation.Check(request.Type, name);
        await admission.ValidateAsync(attributes with { Name = name, Object = obj }, context.RequestAborted);
        var created = store.Create(request.Type, request.Namespace, obj, dryRun);
        await JsonResponses.WriteAsync(context, 201, Present(created, request));
    }

    /// <summary>A warning for the client, as the real server sends one: <c>Warning: 299 - "text"</c>, once however often it is raised.</summary>
    private static void Warn(HttpContext context, string text)
    {
        var header = "299 - \"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        if (!context.Response.Headers.Warning.Contains(header)) context.Response.Headers.Append("Warning", header);
    }

    public async Task ReplaceAsync(HttpContext context, ResourceRequest request)
    {
        var body = Accept(await JsonResponses.ReadObjectAsync(context), request);
        var dryRun = DryRun(context, "UpdateOptions");
        var name = request.Name!;
        if (body["metadata"]!["name"]?.GetValue<string>() is { } bodyName && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }
        await UpdateAsync(context, request, "UpdateOptions", dryRun, _ => (JsonObject)body.DeepClone());
    }

    /// <summary>
    /// Computes the new object from the current one and stores it. The new object's resourceVersion, when set (by the
    /// client's body or patch), is a precondition (409 when stale); without one the write is unconditional and retried
    /// over concurrent writes.
    /// </summary>
    private async Task UpdateAsync(HttpContext context, ResourceRequest request, string optionsKind, bool dryRun, Func<JsonObject, JsonObject> compute)
    {
        var name = request.Name!;
        for (var attempt = 0; ; attempt++)
        {
            var current = store.Get(request.Type, request.Namespace, name) ?? throw ApiException.NotFound(request.Type, name);
            var basedOn = current["metadata"]!["resourceVersion"]!.GetValue<string>();
            var candidate = compute(current);
            var expected = candidate["metadata"]?["resourceVersion"]?.GetValue<string>();
            if (!string.IsNullOrEmpty(expected) && expected != basedOn)
            {
                throw ApiException.Conflict(request.Type, name);
            }
            if (candidate["metadata"]?["name"]?.GetValue<string>() is { } changed && changed != name)
            {
                throw ApiException.BadRequest($"the name of the object ({changed}) does not match the name on the URL ({name})");
            }
            Defaults.OnUpdate(request.Type, candidate, current);
            var attributes = new AdmissionAttributes("UPDATE", request, name, candidate, current, optionsKind, dryRun, warning => Warn(context, warning));
            candidate = Accept(await admission.MutateAsync(attributes, context.RequestAborted), request with { Version = request.Type.Versions[0] });
            await admission.ValidateAsync(attributes with { Object = candidate }, context.RequestAborted);
            try
            {
                var updated = store.Replace(request.Type, request.Namespace, name, candidate, basedOn, request.Subresource == "status", dryRun);
                await JsonResponses.WriteAsync(context, 200, Present(updated, request));
                return;
            }
            catch (ApiException e) when (e.Reason == "Conflict" && string.IsNullOrEmpty(expected) && attempt < UnconditionalRetries)
            {
                // An unconditional write retries on a concurrent one, as the real server's GuaranteedUpdate does.
            }
        }
    }

    public async Task DeleteAsync(HttpContext context, ResourceRequest request)
    {
        var deleted = store.Delete(request.Type, request.Namespace, request.Name!, DryRun(context, "DeleteOptions"));
        var pending = deleted["metadata"]?["deletionTimestamp"] is not null;
        await JsonResponses.WriteAsync(context, 200, request.Type.ReturnsDeletedObject || pending ? Present(deleted, request) : new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Success",
            ["details"] = new JsonObject
            {
                ["name"] = request.Name,
                ["group"] = request.Type.Group.Length == 0 ? null : request.Type.Group,
                ["kind"] = request.Type.Plural,
                ["uid"] = deleted["metadata"]?["uid"]?.DeepClone(),
            },
        });
    }

    public async Task DeleteCollectionAsync(HttpContext context, ResourceRequest request)
    {
        var dryRun = DryRun(context, "DeleteOptions");
        var query = context.Request.Query;
        var (items, _) = store.List(request.Type, request.Namespace, LabelSelector.Parse(query["labelSelector"]),
            FieldSelector.Parse(query["fieldSelector"]));
        var deleted = new JsonArray();
        foreach (var item in items)
        {
            var metadata = item["metadata"]!;
            try
            {
                deleted.Add(Present(store.Delete(request.Type, metadata["namespace"]?.GetValue<string>(), metadata["name"]!.GetValue<string>(), dryRun), request));
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Deleted meanwhile by someone else: the collection is still gone.
            }
        }
        await JsonResponses.WriteAsync(context, 200, new JsonObject
        {
            ["kind"] = request.Type.ListKind,
            ["apiVersion"] = request.Type.ApiVersion(request.Version),
            ["metadata"] = new JsonObject(),
            ["items"] = deleted,
        });
    }

    /// <summary>The object as the client asked for it: at the request's version (only apiVersion differs between versions).</summary>
    public static JsonObject Present(JsonObject obj, ResourceRequest request)
    {
        obj["apiVersion"] = request.Type.ApiVersion(request.Version);
        obj["kind"] = request.Type.Kind;
        return obj;
    }

    /// <summary>Checks a request body against its URL and puts it in storage form (the preferred version's apiVersion).</summary>
    public static JsonObject Accept(JsonObject obj, ResourceRequest request)
    {
        var type = request.Type;
        if (obj["apiVersion"]?.GetValue<string>() is { } apiVersion && apiVersion != type.ApiVersion(request.Version))
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.ApiVersion(request.Version)})");
        }
        if (obj["kind"]?.GetValue<string>() is { } kind && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind in the data ({kind}) does not match the expected kind ({type.Kind})");
        }
        obj["apiVersion"] = type.ApiVersion(type.Versions[0]);
        obj["kind"] = type.Kind;
        if (obj["metadata"] is not JsonObject metadata)
        {
            metadata = new JsonObject();
            obj["metadata"] = metadata;
        }
        var ns = metadata["namespace"]?.GetValue<string>();
        if (request.Namespace is not null)
        {
            if (!string.IsNullOrEmpty(ns) && ns != request.Namespace)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }
            metadata["namespace"] = request.Namespace;
        }
        else
        {
            metadata.Remove("namespace");
        }
        return obj;
    }

    /// <summary>Whether the request is a dry run: dryRun=All (every value given must be All, as on the real server).</summary>
    private static bool DryRun(HttpContext context, string optionsKind)
    {
        var values = context.Request.Query["dryRun"];
        foreach (var value in values)
        {
            if (value != "All")
            {
                throw new ApiException(422, "Invalid", $"{optionsKind}.meta.k8s.io \"\" is invalid: dryRun: Unsupported value: " +
                    $"[]string{{{string.Join(", ", values.Select(v => "\"" + v + "\""))}}}: supported values: \"All\"");
            }
        }
        return values.Count > 0;
    }

    private static int ParseContinue(string token)
    {
        try
        {
            return int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)), NumberStyles.None, CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            throw ApiException.BadRequest("continue key is not valid");
        }
    }
}
