namespace Mesh.Contracts;

/// <summary>The message size bounds both ends of the control plane's gRPC port configure, so the two sides agree.</summary>
public static class GrpcMessageLimits
{
    /// <summary>
    /// Proxy to control plane: a discovery request (node, type, version, nonce, a NACK's reason) or a CSR, each a few KB.
    /// 4 MB is gRPC's default receive limit; it stays, so a broken or hostile caller cannot make the server buffer more.
    /// </summary>
    public const int MaxRequestSize = 4 * 1024 * 1024;

    /// <summary>
    /// Control plane to proxy: a discovery response carries every resource of one type for that proxy (an endpoint is
    /// about 150 bytes, so 4 MB would stop near 25,000 endpoints). 64 MB leaves a large mesh room; the server checks it
    /// before sending, so an oversized response is an error in the control plane's log, not a proxy that cannot parse it.
    /// </summary>
    public const int MaxResponseSize = 64 * 1024 * 1024;
}
