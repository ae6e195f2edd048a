using System.Net;
using System.Text.Json;
using Mesh.Harness.Load;

namespace Mesh.Harness;

/// <summary>
/// Before a path is measured: every one of a few dozen requests on it must be answered by the one backend every path
/// fronts (the sample app's reply names its service and version). A path that spread its requests over other
/// workloads, as the demo's canary split would, has proxies the row does not count, so it is refused, not measured.
/// </summary>
internal static class BackendCheck
{
    public const int Requests = 50;

    public static async Task RequireAsync(string path, LoadTarget target, string service, string version, CancellationToken cancellationToken)
    {
        using var handler = HttpClientConnection.CreateHandler(1);
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(10) };
        for (var i = 0; i < Requests; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, target.Url)
            {
                Version = target.Protocol == LoadProtocol.Http2 ? HttpVersion.Version20 : HttpVersion.Version11,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            if (target.Host is { } host)
            {
                request.Headers.Host = host;
            }

            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var (answeredService, answeredVersion) = Who(body);
            if (!response.IsSuccessStatusCode || answeredService != service || answeredVersion != version)
            {
                throw new InvalidOperationException(
                    $"{path}: request {i + 1} of {Requests} was answered {(int)response.StatusCode} by {answeredService ?? "?"} {answeredVersion ?? "?"}, not by {service} {version}, which every path must reach alone");
            }
        }
    }

    private static (string? Service, string? Version) Who(string body)
    {
        try
        {
            using var reply = JsonDocument.Parse(body);
            return (Text(reply.RootElement, "service"), Text(reply.RootElement, "version"));
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private static string? Text(JsonElement reply, string name) =>
        reply.ValueKind == JsonValueKind.Object && reply.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
