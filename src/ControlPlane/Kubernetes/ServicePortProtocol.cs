namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// Istio's protocol selection for a Kubernetes Service port: <c>appProtocol</c> first, else the port name
/// (<c>&lt;protocol&gt;[-&lt;suffix&gt;]</c>); upper case as the model compares protocols. What neither names is
/// left empty, which the model treats as Istio treats an undeclared protocol: detected, so served as HTTP by the
/// sidecar's outbound routes (see <c>SidecarOutboundGenerator</c>).
/// </summary>
internal static class ServicePortProtocol
{
    public const string Udp = "UDP";
    public const string Unknown = "";

    private const string GrpcWeb = "grpc-web";

    /// <summary>The protocol of a port, or <see cref="Udp"/> for a UDP port (the registry skips those, as Istio builds nothing for them).</summary>
    /// <param name="transport">The Kubernetes port protocol: TCP (default), UDP or SCTP.</param>
    public static string Select(int port, string? portName, string? transport, string? appProtocol)
    {
        if (string.Equals(transport, "UDP", StringComparison.OrdinalIgnoreCase)) return Udp;

        var name = portName ?? "";
        if (appProtocol is not null)
        {
            // Kubernetes' own appProtocol values (the Service API defines them), taken only from appProtocol.
            switch (appProtocol)
            {
                case "kubernetes.io/h2c": return "HTTP2";
                case "kubernetes.io/ws": return "HTTP";
                case "kubernetes.io/wss": return "HTTPS";
            }
            name = appProtocol;
        }

        // grpc-web holds a hyphen, so it is matched before the name is cut at its first hyphen.
        if (name.Length >= GrpcWeb.Length && name.AsSpan(0, GrpcWeb.Length).Equals(GrpcWeb, StringComparison.OrdinalIgnoreCase)) return "GRPC-WEB";
        var hyphen = name.IndexOf('-');
        var prefix = hyphen >= 0 ? name[..hyphen] : name;
        var protocol = Parse(prefix);
        // Istio: a well-known port of a protocol that sniffing would break is TCP when nothing declares it.
        if (protocol == Unknown && port is 25 or 53 or 3306 or 27017) return "TCP";
        return protocol;
    }

    private static string Parse(string prefix) => prefix.ToLowerInvariant() switch
    {
        "tcp" => "TCP",
        "udp" => Udp,
        "grpc" => "GRPC",
        "grpc-web" => "GRPC-WEB",
        "http" => "HTTP",
        "http_proxy" => "HTTP_PROXY",
        "http2" => "HTTP2",
        "https" => "HTTPS",
        "tls" => "TLS",
        "mongo" => "MONGO",
        "redis" => "REDIS",
        "mysql" => "MYSQL",
        _ => Unknown,
    };
}
