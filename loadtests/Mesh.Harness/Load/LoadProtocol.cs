namespace Mesh.Harness.Load;

/// <summary>What a load run speaks to its target.</summary>
public enum LoadProtocol
{
    /// <summary>HTTP/1.1 GET with keep-alive, one request at a time on each connection.</summary>
    Http1,

    /// <summary>HTTP/2 GET: prior knowledge (h2c) on http://, ALPN on https://; the connections are concurrent streams.</summary>
    Http2,

    /// <summary>gRPC unary calls to the standard health service (grpc.health.v1.Health/Check).</summary>
    Grpc,
}
