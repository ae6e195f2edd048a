using System.Text;
using System.Text.Json.Nodes;
using Mesh.Kubernetes.TestServer.Internal.Patching;

namespace Mesh.Kubernetes.TestServer.Internal.Admission;

/// <summary>
/// Admission webhooks on create and update, as the API server runs them: every MutatingWebhookConfiguration's
/// webhooks (configurations by name, webhooks in order) may patch the object with a JSONPatch; then every
/// ValidatingWebhookConfiguration's may refuse it. A refusal reads "admission webhook \"NAME\" denied the request:
/// MESSAGE"; a failed call fails the request under failurePolicy Fail (the default) and is skipped under Ignore.
/// A dry run reaches only webhooks whose sideEffects are None or NoneOnDryRun (any other fails the request with the
/// real server's "does not support dry run", 400), and tells them dryRun: true. An allowing webhook's warnings go to
/// the client as Warning headers, which kubectl prints.
/// Not done: reinvocation, DELETE/CONNECT operations, matchConditions.
/// </summary>
internal sealed class AdmissionChain(ObjectStore store, ResourceCatalog catalog, WebhookClient client)
{
    private static readonly JsonObject AdminUser = new()
    {
        ["username"] = "kubernetes-admin",
        ["groups"] = new JsonArray("system:masters", "system:authenticated"),
    };

    public async Task<JsonObject> MutateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken)
    {
        var current = attributes.Object;
        foreach (var webhook in Webhooks("mutatingwebhookconfigurations.admissionregistration.k8s.io", attributes))
        {
            var (version, hook) = webhook;
            var sent = attributes with { Object = current };
            var response = await CallAsync(hook, sent, version, cancellationToken);
            if (response?["patch"]?.GetValue<string>() is { Length: > 0 } patch)
            {
                if (response["patchType"]?.GetValue<string>() is not "JSONPatch")
                {
                    throw Failed(hook, "received invalid webhook response: expected patchType JSONPatch");
                }
                var asSent = AtVersion(current, attributes.Request.Type, version);
                var patched = JsonPatch.Apply(asSent, JsonNode.Parse(Convert.FromBase64String(patch))!);
                current = AtVersion(patched, attributes.Request.Type, attributes.Request.Type.Versions[0]);
            }
        }
        return current;
    }

    public async Task ValidateAsync(AdmissionAttributes attributes, CancellationToken cancellationToken)
    {
        foreach (var (version, hook) in Webhooks("validatingwebhookconfigurations.admissionregistration.k8s.io", attributes))
        {
            await CallAsync(hook, attributes, version, cancellationToken);
        }
    }

    /// <summary>The webhooks that apply, each with the version its request goes at.</summary>
    private List<(string Version, JsonObject Webhook)> Webhooks(string configurationKey, AdmissionAttributes attributes)
    {
        var matched = new List<(string, JsonObject)>();
        var (configurations, _) = store.List(catalog.FindByKey(configurationKey)!, null, LabelSelector.Everything, FieldSelector.Everything);
        if (configurations.Count == 0)
        {
            return matched;
        }
        var namespaceLabels = NamespaceLabels(attributes);
        foreach (var configuration in configurations)
        {
            if (configuration["webhooks"] is not JsonArray webhooks)
            {
                continue;
            }
            foreach (var webhook in webhooks)
            {
                if (webhook is JsonObject hook && WebhookMatcher.Match(hook, attributes, namespaceLabels) is { } version)
                {
                    matched.Add((version, hook));
                }
            }
        }
        return matched;
    }

    private JsonNode? NamespaceLabels(AdmissionAttributes attributes)
    {
        var request = attributes.Request;
        if (request.Type.Key == "namespaces")
        {
            return attributes.Object["metadata"]?["labels"];
        }
        if (request.Namespace is null)
        {
            return null;
        }
        return store.Get(catalog.FindByKey("namespaces")!, null, request.Namespace)?["metadata"]?["labels"];
    }

    /// <summary>Calls one webhook; returns its response when it allowed the request (null when a failure was ignored).</summary>
    private async Task<JsonObject?> CallAsync(JsonObject hook, AdmissionAttributes attributes, string version, CancellationToken cancellationToken)
    {
        if (attributes.DryRun && hook["sideEffects"]?.GetValue<string>() is not ("None" or "NoneOnDryRun"))
        {
            throw ApiException.BadRequest($"admission webhook \"{Name(hook)}\" does not support dry run");
        }
        var reviewVersion = Versions(hook).Contains("v1") ? "v1" : "v1beta1";
        var uid = Guid.NewGuid().ToString();
        JsonObject response;
        try
        {
            var body = await client.CallAsync(hook, Review(attributes, version, reviewVersion, uid), cancellationToken);
            response = body["response"] as JsonObject ?? throw new WebhookCallException("received invalid webhook response: no response");
            if (response["uid"]?.GetValue<string>() != uid)
            {
                throw new WebhookCallException($"received invalid webhook response: expected response.uid=\"{uid}\"");
            }
        }
        catch (WebhookCallException e)
        {
            if (hook["failurePolicy"]?.GetValue<string>() == "Ignore")
            {
                return null;
            }
            throw Failed(hook, e.Message);
        }
        if (response["allowed"]?.GetValue<bool>() != true)
        {
            throw Denied(hook, response["status"] as JsonObject);
        }
        if (response["warnings"] is JsonArray warnings && attributes.Warn is { } warn)
        {
            foreach (var warning in warnings)
            {
                if (warning?.GetValue<string>() is { Length: > 0 } text) warn(text);
            }
        }
        return response;
    }

    private static JsonObject Review(AdmissionAttributes attributes, string version, string reviewVersion, string uid)
    {
        var request = attributes.Request;
        var type = request.Type;
        var requestItem = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = Gvk(type, version),
            ["resource"] = Gvr(type, version),
        };
        if (request.Subresource is not null)
        {
            requestItem["subResource"] = request.Subresource;
        }
        requestItem["requestKind"] = Gvk(type, request.Version);
        requestItem["requestResource"] = Gvr(type, request.Version);
        if (request.Subresource is not null)
        {
            requestItem["requestSubResource"] = request.Subresource;
        }
        if (attributes.Name.Length > 0)
        {
            requestItem["name"] = attributes.Name;
        }
        if (request.Namespace is not null)
        {
            requestItem["namespace"] = request.Namespace;
        }
        requestItem["operation"] = attributes.Operation;
        requestItem["userInfo"] = AdminUser.DeepClone();
        requestItem["object"] = AtVersion(attributes.Object, type, version);
        requestItem["oldObject"] = attributes.OldObject is null ? null : AtVersion(attributes.OldObject, type, version);
        requestItem["dryRun"] = attributes.DryRun;
        requestItem["options"] = new JsonObject { ["kind"] = attributes.OptionsKind, ["apiVersion"] = "meta.k8s.io/v1" };
        return new JsonObject
        {
            ["kind"] = "AdmissionReview",
            ["apiVersion"] = "admission.k8s.io/" + reviewVersion,
            ["request"] = requestItem,
        };
    }

    private static JsonObject AtVersion(JsonObject obj, ResourceType type, string version)
    {
        var copy = (JsonObject)obj.DeepClone();
        copy["apiVersion"] = type.ApiVersion(version);
        copy["kind"] = type.Kind;
        return copy;
    }

    private static JsonObject Gvk(ResourceType type, string version) =>
        new() { ["group"] = type.Group, ["version"] = version, ["kind"] = type.Kind };

    private static JsonObject Gvr(ResourceType type, string version) =>
        new() { ["group"] = type.Group, ["version"] = version, ["resource"] = type.Plural };

    private static List<string> Versions(JsonObject hook)
    {
        var versions = new List<string>();
        if (hook["admissionReviewVersions"] is JsonArray array)
        {
            foreach (var version in array)
            {
                versions.Add(version!.GetValue<string>());
            }
        }
        return versions;
    }

    private static string Name(JsonObject hook) => hook["name"]?.GetValue<string>() ?? "";

    private static ApiException Failed(JsonObject hook, string message) =>
        new(500, "InternalError", $"Internal error occurred: failed calling webhook \"{Name(hook)}\": {message}");

    /// <summary>The refusal as the real server builds it from the webhook's status (code at least 400).</summary>
    private static ApiException Denied(JsonObject hook, JsonObject? status)
    {
        var deniedBy = new StringBuilder($"admission webhook \"{Name(hook)}\" denied the request");
        var message = status?["message"]?.GetValue<string>();
        var reason = status?["reason"]?.GetValue<string>() ?? "";
        if (!string.IsNullOrEmpty(message))
        {
            deniedBy.Append(": ").Append(message);
        }
        else if (reason.Length > 0)
        {
            deniedBy.Append(": ").Append(reason);
        }
        else
        {
            deniedBy.Append(" without explanation");
        }
        var code = status?["code"]?.GetValue<int>() ?? 0;
        return new ApiException(code < 400 ? 400 : code, reason, deniedBy.ToString(), status?["details"]?.DeepClone() as JsonObject);
    }
}
