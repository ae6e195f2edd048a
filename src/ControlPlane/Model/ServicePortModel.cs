namespace Mesh.ControlPlane.Model;

/// <summary>One port of a service: its name, number, protocol (upper case, as Istio compares it) and target port.</summary>
internal sealed record ServicePortModel(string Name, uint Number, string Protocol, uint? TargetPort)
{
    /// <summary>A Kubernetes Service port's named <c>targetPort</c> (a container port's name); empty when numeric or absent.</summary>
    public string TargetPortName { get; init; } = "";

    /// <summary>Istio sends HTTP2 and gRPC ports upstream over HTTP/2.</summary>
    public bool IsHttp2 => Protocol is "HTTP2" or "GRPC" or "GRPC-WEB";

    /// <summary>How the port's traffic is carried: HTTP, opaque TCP, or sniffed when no protocol is declared.</summary>
    public PortProtocol Carried => Protocol switch
    {
        "" => PortProtocol.Auto,
        "HTTP" or "HTTP2" or "GRPC" or "GRPC-WEB" => PortProtocol.Http,
        _ => PortProtocol.Tcp,
    };
}
