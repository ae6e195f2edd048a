namespace Mesh.ControlPlane.Model;

/// <summary>How a captured sidecar carries a port's connections, from the protocol Istio reads for the port.</summary>
internal enum PortProtocol
{
    /// <summary>HTTP, HTTP2, GRPC and GRPC-WEB: routed request by request.</summary>
    Http,

    /// <summary>Every other declared protocol (TCP, TLS, HTTPS — passed through, not terminated —, MONGO, MYSQL, REDIS…): opaque bytes.</summary>
    Tcp,

    /// <summary>No declared protocol: Istio's protocol sniffing decides per connection.</summary>
    Auto,
}
