using System.Text.Json.Nodes;
using Mesh.Kubernetes.TestServer.Internal.Authorization;
using Microsoft.AspNetCore.Http;

namespace Mesh.Kubernetes.TestServer.Internal;

/// <summary>
/// Every request's way in: bearer-token authentication (the admin token, or a valid service-account token), then
/// authorization by the <see cref="Authorizer"/> (403 worded as the real server's), then discovery or a resource verb.
/// Failures are answered as a metav1 Status.
/// </summary>
internal sealed class ApiHandler(
    string adminToken,
    string serverAddress,
    TestApiServerOptions options,
    ResourceCatalog catalog,
    ServiceAccountTokens tokens,
    Authorizer authorizer,
    ResourceEndpoints resources,
    WatchEndpoint watches,
    TokenReviewEndpoint tokenReviews,
    SelfSubjectAccessReviewEndpoint accessReviews,
    PortForwardEndpoint portForwards)
{
    public async Task HandleAsync(HttpContext context)
    {
        try
        {
            var path = context.Request.Path.Value ?? "/";
            var caller = Authenticate(context);
            var request = ResourceRequest.Parse(path, catalog);
            var attributes = request is null
                ? AccessAttributes.NonResource(context.Request.Method.ToLowerInvariant(), path)
                : AccessAttributes.Of(request, context.Request.Method, IsWatch(context));
            if (!authorizer.Authorize(caller, attributes).Allowed)
            {
                throw Forbidden(caller, attributes, request);
            }
            if (await TryDiscoveryAsync(context, path))
            {
                return;
            }
            if (request is null)
            {
                throw ApiException.ResourceNotFound(path);
            }
            await DispatchAsync(context, request, caller);
        }
        catch (ApiException e)
        {
            if (!context.Response.HasStarted)
            {
                await JsonResponses.WriteAsync(context, e.Code, e.ToStatus());
            }
        }
        catch (Exception e) when (e is not (BadHttpRequestException or OperationCanceledException) && !context.Response.HasStarted)
        {
            // A defect here, answered as the real server answers a panic in a handler, with the cause for the test's log.
            await JsonResponses.WriteAsync(context, 500, ApiException.Status(500, "InternalError",
                $"Internal error occurred: {e.GetType().Name}: {e.Message}", null));
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            await JsonResponses.WriteAsync(context, 413, ApiException.Status(413, "RequestEntityTooLarge",
                $"the request body is larger than {options.MaxRequestBodyBytes} bytes", null));
        }
    }

    /// <summary>The caller: the admin, or the service account a valid token names; 401 otherwise.</summary>
    private Caller Authenticate(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            var token = header["Bearer ".Length..].Trim();
            if (token == adminToken)
            {
                return Caller.Admin;
            }
            if (tokens.IsValid(token) && tokens.Verify(token)?["kubernetes.io"] is JsonObject claim
                && claim["namespace"]?.GetValue<string>() is { } ns && claim["serviceaccount"]?["name"]?.GetValue<string>() is { } name)
            {
                return Caller.ServiceAccount(ns, name);
            }
        }
        throw new ApiException(401, "Unauthorized", "Unauthorized");
    }

    private static bool IsWatch(HttpContext context)
    {
        var query = context.Request.Query["watch"];
        return query == "true" || query == "1";
    }

    /// <summary>403 worded as the real server's RBAC authorizer words it when nothing grants the verb.</summary>
    private static ApiException Forbidden(Caller caller, AccessAttributes attributes, ResourceRequest? request)
    {
        if (request is null)
        {
            return new ApiException(403, "Forbidden", $"forbidden: User \"{caller.User}\" cannot {attributes.Verb} path \"{attributes.Path}\"");
        }
        var resource = request.Subresource is null ? request.Type.Plural : request.Type.Plural + "/" + request.Subresource;
        var subject = request.Name is not null ? $"{request.Type.Key} \"{request.Name}\"" : request.Type.Key;
        var scope = request.Namespace is null ? (request.Type.Namespaced ? " at the cluster scope" : "") : $" in the namespace \"{request.Namespace}\"";
        return new ApiException(403, "Forbidden",
            $"{subject} is forbidden: User \"{caller.User}\" cannot {attributes.Verb} resource \"{resource}\" in API group \"{request.Type.Group}\"{scope}");
    }

    private async Task<bool> TryDiscoveryAsync(HttpContext context, string path)
    {
        if (!HttpMethods.IsGet(context.Request.Method))
        {
            return false;
        }
        var segments = path.Trim('/').Split('/');
        JsonObject? document = (segments.Length, segments[0]) switch
        {
            (1, "version") => DiscoveryDocuments.Version(options.GitVersion),
            (1, "api") => DiscoveryDocuments.CoreVersions(serverAddress),
            (2, "api") => DiscoveryDocuments.ResourceList(catalog, "", segments[1]),
            (1, "apis") => DiscoveryDocuments.GroupList(catalog),
            (2, "apis") => DiscoveryDocuments.GroupDocument(catalog, segments[1]),
            (3, "apis") => DiscoveryDocuments.ResourceList(catalog, segments[1], segments[2]),
            (2, "openapi") when segments[1] == "v3" => OpenApiDocuments.Root(catalog),
            (4, "openapi") when segments[1] == "v3" && segments[2] == "api" => OpenApiDocuments.GroupVersion(catalog, "", segments[3]),
            (5, "openapi") when segments[1] == "v3" && segments[2] == "apis" => OpenApiDocuments.GroupVersion(catalog, segments[3], segments[4]),
            _ => null,
        };
        if (document is null)
        {
            var discoveryPath = segments[0] switch
            {
                "api" => segments.Length <= 2,
                "apis" => segments.Length <= 3,
                "version" or "openapi" => true,
                _ => false,
            };
            if (discoveryPath)
            {
                throw ApiException.ResourceNotFound(path);
            }
            return false;
        }
        await JsonResponses.WriteAsync(context, 200, document);
        return true;
    }

    private Task DispatchAsync(HttpContext context, ResourceRequest request, Caller caller)
    {
        var method = context.Request.Method;
        var isItem = request.Name is not null;
        if (request.Subresource == "portforward")
        {
            return HttpMethods.IsGet(method) || HttpMethods.IsPost(method) ? portForwards.ForwardAsync(context, request) : throw ApiException.MethodNotAllowed();
        }
        if (request.Type.IsVirtual)
        {
            if (!HttpMethods.IsPost(method) || isItem)
            {
                throw ApiException.MethodNotAllowed();
            }
            return request.Type.Key == "tokenreviews.authentication.k8s.io"
                ? tokenReviews.CreateAsync(context, request)
                : accessReviews.CreateAsync(context, request, caller);
        }
        if (HttpMethods.IsGet(method))
        {
            if (IsWatch(context))
            {
                return isItem ? throw ApiException.MethodNotAllowed() : watches.WatchAsync(context, request);
            }
            return isItem ? resources.GetAsync(context, request) : resources.ListAsync(context, request);
        }
        if (HttpMethods.IsPost(method) && !isItem)
        {
            return resources.CreateAsync(context, request);
        }
        if (HttpMethods.IsPut(method) && isItem)
        {
            return resources.ReplaceAsync(context, request);
        }
        if (HttpMethods.IsPatch(method) && isItem)
        {
            return resources.PatchAsync(context, request);
        }
        if (HttpMethods.IsDelete(method))
        {
            return isItem ? resources.DeleteAsync(context, request) : resources.DeleteCollectionAsync(context, request);
        }
        throw ApiException.MethodNotAllowed();
    }
}
