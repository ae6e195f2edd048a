using System.Text.Json;

namespace Mesh.LoadTests.Scenarios;

/// <summary>
/// Reads the sample app's JSON answer the way the k6 scripts do (lib/config.js): what its call to an upstream came
/// back with, and how many attempts its sidecar needed (x-envoy-attempt-count, which the upstream reports seeing).
/// </summary>
internal static class SampleAnswer
{
    /// <summary>The status of the call to the upstream whose URL contains <paramref name="host"/>, whether it answered with the app's JSON, and its attempts; null when the body names no such call.</summary>
    public static (int Status, bool Answered, int Attempts)? Upstream(string body, string host)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (!json.RootElement.TryGetProperty("upstreams", out var upstreams) || upstreams.ValueKind != JsonValueKind.Array)
            {
                return null;
            }

            foreach (var call in upstreams.EnumerateArray())
            {
                if (!call.TryGetProperty("url", out var url) || url.GetString()?.Contains(host, StringComparison.Ordinal) != true)
                {
                    continue;
                }

                var status = call.TryGetProperty("status", out var s) ? s.GetInt32() : 0;
                if (!call.TryGetProperty("reply", out var reply) || reply.ValueKind != JsonValueKind.Object)
                {
                    return (status, false, 0);
                }

                var attempts = reply.TryGetProperty("headers", out var headers) && headers.TryGetProperty("x-envoy-attempt-count", out var count)
                    && int.TryParse(count.GetString(), out var n) ? n : 1;
                return (status, true, attempts);
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
