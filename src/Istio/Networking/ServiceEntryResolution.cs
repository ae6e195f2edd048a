namespace Mesh.Istio.Networking;

/// <summary>How the addresses of a ServiceEntry's endpoints are found.</summary>
public enum ServiceEntryResolution
{
    /// <summary>Istio: <c>NONE</c>.</summary>
    None,
    /// <summary>Istio: <c>STATIC</c>.</summary>
    Static,
    /// <summary>Istio: <c>DNS</c>.</summary>
    Dns,
    /// <summary>Istio: <c>DNS_ROUND_ROBIN</c>.</summary>
    DnsRoundRobin,
    /// <summary>Istio: <c>DYNAMIC_DNS</c>.</summary>
    DynamicDns,
}
