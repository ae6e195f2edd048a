using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.TestServer.Internal.Authorization;

/// <summary>
/// authorization.k8s.io/v1 SelfSubjectAccessReview create (what <c>kubectl auth can-i</c> and install checks ask):
/// the spec's resourceAttributes or nonResourceAttributes are decided for the caller by the <see cref="Authorizer"/>,
/// and the review comes back with status.allowed (and status.reason when refused). Nothing is stored.
/// </summary>
internal sealed class SelfSubjectAccessReviewEndpoint(Authorizer authorizer)
{
    public async Task CreateAsync(HttpContext context, ResourceRequest request, Caller caller)
    {
        var review = ResourceEndpoints.Accept(await JsonResponses.ReadObjectAsync(context), request);
        var spec = review["spec"] as JsonObject;
        var attributes = Attributes(spec) ?? throw ApiException.Invalid(request.Type, "",
            "[spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified, " +
            "spec.nonResourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified]");
        var (allowed, reason) = authorizer.Authorize(caller, attributes);
        var status = new JsonObject { ["allowed"] = allowed };
        if (reason.Length > 0)
        {
            status["reason"] = reason;
        }
        review["metadata"] = new JsonObject { ["creationTimestamp"] = null };
        review["status"] = status;
        await JsonResponses.WriteAsync(context, 201, ResourceEndpoints.Present(review, request));
    }

    private static AccessAttributes? Attributes(JsonObject? spec)
    {
        var resource = spec?["resourceAttributes"] as JsonObject;
        var nonResource = spec?["nonResourceAttributes"] as JsonObject;
        if ((resource is null) == (nonResource is null))
        {
            return null;
        }
        if (nonResource is not null)
        {
            return AccessAttributes.NonResource(Text(nonResource, "verb") ?? "", Text(nonResource, "path") ?? "");
        }
        return new AccessAttributes(Text(resource!, "verb") ?? "", Text(resource!, "group") ?? "", Text(resource!, "resource") ?? "",
            Text(resource!, "subresource"), Text(resource!, "namespace"), Text(resource!, "name"), null);
    }

    /// <summary>A string field, empty strings read as absent (as the real server's attributes treat them).</summary>
    private static string? Text(JsonObject obj, string key) => obj[key]?.GetValue<string>() is { Length: > 0 } value ? value : null;
}
