namespace Mesh.Istio.Validation;

/// <summary>The port protocols Istio recognises (case-insensitively), as named in Gateway and ServiceEntry ports.</summary>
internal static class Protocols
{
    private static readonly string[] Known =
    [
        "HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "HTTP_PROXY", "MONGO", "MYSQL", "REDIS", "TCP", "TLS", "UDP", "THRIFT", "HBONE", "DUBBO",
    ];

    public static bool IsKnown(string protocol)
    {
        foreach (var known in Known)
        {
            if (string.Equals(known, protocol, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
