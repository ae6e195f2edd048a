namespace Mesh.SampleApp;

/// <summary>
/// The headers an application in a mesh must copy from its inbound request to its outbound calls, so that the
/// proxies can stitch one trace (B3 multi and single, W3C) and routing rules keyed on a user header keep working
/// on the next hop — the same list Istio's bookinfo sample propagates.
/// </summary>
internal static class PropagatedHeaders
{
    public static readonly string[] Names =
    [
        "x-request-id",
        "x-b3-traceid",
        "x-b3-spanid",
        "x-b3-parentspanid",
        "x-b3-sampled",
        "x-b3-flags",
        "b3",
        "traceparent",
        "tracestate",
        "end-user",
        "user-agent",
    ];
}
