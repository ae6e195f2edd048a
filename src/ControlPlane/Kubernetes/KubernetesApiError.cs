using System.Net;
using k8s.Autorest;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>How a failed API call reads in a log line or a status: the HTTP status and the API server's own message.</summary>
internal static class KubernetesApiError
{
    public static bool Is(Exception error, HttpStatusCode status) => error is HttpOperationException { Response: { } response } && response.StatusCode == status;

    public static string Describe(Exception error) => error switch
    {
        HttpOperationException { Response: { } response } => $"{(int)response.StatusCode} {response.StatusCode}: {Message(response.Content)}",
        // A watch's ERROR event, or a Status the client read from a stream.
        k8s.KubernetesException { Status: { } status } => $"{status.Code} {status.Reason}: {status.Message}",
        OperationCanceledException => "no answer in time",
        // "An error occurred while sending the request" says little without its cause (connection refused, TLS).
        _ when error.InnerException is { } inner => $"{error.Message} ({inner.Message})",
        _ => error.Message,
    };

    // The body is a Status whose message says why ("secrets is forbidden: User ... cannot get ..."); bounded for the log.
    private static string Message(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return "no message";
        }

        try
        {
            using var json = System.Text.Json.JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == System.Text.Json.JsonValueKind.Object
                && json.RootElement.TryGetProperty("message", out var message) && message.GetString() is { } text)
            {
                return text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status: the body itself, shortened.
        }

        return body.Length <= 200 ? body : body[..200] + "…";
    }
}
