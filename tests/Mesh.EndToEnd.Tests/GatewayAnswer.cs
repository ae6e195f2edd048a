using System.Text.Json;

namespace Mesh.EndToEnd.Tests;

/// <summary>What came back through the gateway: the status, the hop chain, and the headers the frontend saw.</summary>
internal sealed record GatewayAnswer(int Status, IReadOnlyList<string> Chain, string Body)
{
    /// <summary>The backend instance that answered ("backend-v1", "backend-v2"), or null if none did.</summary>
    public string? Backend => Chain.Count > 1 ? Chain[^1] : null;

    public static GatewayAnswer Parse(int status, string body)
    {
        var chain = new List<string>();
        try
        {
            using var json = JsonDocument.Parse(body);
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("chain", out var hops))
            {
                foreach (var hop in hops.EnumerateArray())
                {
                    chain.Add(hop.GetString() ?? "");
                }
            }
        }
        catch (JsonException)
        {
            // Not the sample app's JSON (an error page from a proxy): the chain stays empty.
        }

        return new GatewayAnswer(status, chain, body);
    }
}
