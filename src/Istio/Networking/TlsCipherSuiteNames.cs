namespace Mesh.Istio.Networking;

/// <summary>
/// The TLS 1.2 cipher suites a Gateway's <c>tls.cipherSuites</c> may name, as Istio and Envoy write them (OpenSSL
/// names), with their IANA names, which the proxy's TLS stack takes. TLS 1.3's suites are not configurable, as in Envoy.
/// </summary>
public static class TlsCipherSuiteNames
{
    private static readonly Dictionary<string, string> IanaByOpenSsl = new(StringComparer.Ordinal)
    {
        ["ECDHE-ECDSA-AES128-GCM-SHA256"] = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        ["ECDHE-RSA-AES128-GCM-SHA256"] = "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        ["ECDHE-ECDSA-AES256-GCM-SHA384"] = "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        ["ECDHE-RSA-AES256-GCM-SHA384"] = "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        ["ECDHE-ECDSA-CHACHA20-POLY1305"] = "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        ["ECDHE-RSA-CHACHA20-POLY1305"] = "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        ["ECDHE-ECDSA-AES128-SHA"] = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
        ["ECDHE-RSA-AES128-SHA"] = "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
        ["ECDHE-ECDSA-AES256-SHA"] = "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
        ["ECDHE-RSA-AES256-SHA"] = "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
        ["AES128-GCM-SHA256"] = "TLS_RSA_WITH_AES_128_GCM_SHA256",
        ["AES256-GCM-SHA384"] = "TLS_RSA_WITH_AES_256_GCM_SHA384",
        ["AES128-SHA"] = "TLS_RSA_WITH_AES_128_CBC_SHA",
        ["AES256-SHA"] = "TLS_RSA_WITH_AES_256_CBC_SHA",
    };

    /// <summary>The IANA name of an OpenSSL cipher suite name; null when it is not one a gateway can offer.</summary>
    public static string? Iana(string openSslName) => IanaByOpenSsl.GetValueOrDefault(openSslName);
}
