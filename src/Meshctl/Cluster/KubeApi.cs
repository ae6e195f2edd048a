using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;

namespace Mesh.Meshctl.Cluster;

/// <summary>
/// KubernetesClient with one generic request: any path, any JSON body, the answer as JSON with its status. Its
/// credentials, TLS and kubeconfig handling are the library's; meshctl applies objects of any kind through it.
/// </summary>
internal sealed class KubeApi(KubernetesClientConfiguration configuration) : k8s.Kubernetes(configuration)
{
    public async Task<ApiResponse> SendAsync(HttpMethod method, string pathAndQuery, JsonNode? body = null, string contentType = "application/json", CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, new Uri(BaseUri, pathAndQuery.TrimStart('/')));
        var text = body?.ToJsonString() ?? "";
        if (body is not null)
        {
            request.Content = new StringContent(text, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            using var response = await SendRequestRaw(text, request, cancellationToken).ConfigureAwait(false);
            return new ApiResponse(response.StatusCode, Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)));
        }
        catch (HttpOperationException e)
        {
            return new ApiResponse(e.Response.StatusCode, Parse(e.Response.Content));
        }
    }

    public Task<ApiResponse> GetAsync(string path, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, path, cancellationToken: cancellationToken);

    private static JsonNode? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return JsonValue.Create(text);
        }
    }
}

/// <summary>An API server's answer: its status and JSON body (a Status object on failure).</summary>
internal sealed record ApiResponse(HttpStatusCode Status, JsonNode? Body)
{
    public bool Ok => (int)Status is >= 200 and < 300;

    public bool NotFound => Status == HttpStatusCode.NotFound;

    /// <summary>The Status message the API server gave, or the HTTP status.</summary>
    public string Message => Body is JsonObject o && o["message"]?.ToString() is { Length: > 0 } m ? m
        : Body is JsonValue v && v.ToString() is { Length: > 0 } t ? $"{(int)Status} {t.Trim()}"
        : $"HTTP {(int)Status} {Status}";

    /// <summary>Throws <see cref="ClusterException"/> unless the request succeeded.</summary>
    public JsonNode EnsureOk(string what) => Ok ? Body ?? new JsonObject() : throw new ClusterException($"{what}: {Message}");
}

/// <summary>A request to the cluster failed in a way the command reports and stops on.</summary>
internal sealed class ClusterException(string message) : Exception(message);
