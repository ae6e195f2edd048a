// Istio's destination_service_name from a service host.
namespace Mesh.Proxy.Observability;

/// <summary>Derives the short service name Istio reports as <c>destination_service_name</c>.</summary>
internal static class ServiceNames
{
    /// <summary>
    /// <c>backend.default.svc.cluster.local</c> in namespace <c>default</c> is <c>backend</c>, as the Kubernetes
    /// Service's name; any other host (a ServiceEntry's external name) is reported whole, as Istio does.
    /// </summary>
    public static string ShortName(string host, string? @namespace)
    {
        var dot = host.IndexOf('.');
        if (dot > 0 && !string.IsNullOrEmpty(@namespace) && host.AsSpan(dot + 1).StartsWith(@namespace + ".svc.", StringComparison.Ordinal))
        {
            return host[..dot];
        }

        return host;
    }
}
