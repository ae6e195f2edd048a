using Microsoft.AspNetCore.Http;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>Envoy's <c>x-request-id</c>: kept when the caller sent one, else a random UUID (version 4).</summary>
internal static class RequestId
{
    /// <summary>Returns the request's <c>x-request-id</c>, creating it when it is absent or empty.</summary>
    public static string Ensure(IHeaderDictionary headers, Random random)
    {
        var existing = headers[TraceHeaders.RequestId];
        if (existing.Count > 0 && !string.IsNullOrEmpty(existing[0]))
        {
            return existing[0]!;
        }

        Span<byte> bytes = stackalloc byte[16];
        random.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        var id = new Guid(bytes).ToString("D");
        headers[TraceHeaders.RequestId] = id;
        return id;
    }
}
