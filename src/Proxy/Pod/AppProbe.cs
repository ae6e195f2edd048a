namespace Mesh.Proxy.Pod;

/// <summary>
/// One rewritten Kubernetes probe from $ISTIO_KUBE_APP_PROBERS: the kubelet asks the status port at <see cref="Path"/>
/// (/app-health/&lt;container&gt;/livez, ...), and the proxy runs the original probe against the application.
/// </summary>
/// <param name="Host">Where to connect (the probe's host); null: the pod's IP, as the kubelet would.</param>
/// <param name="HttpPath">httpGet: the request path, starting with '/'.</param>
/// <param name="Https">httpGet: scheme HTTPS (the certificate is not verified, as the kubelet does not).</param>
/// <param name="Headers">httpGet: the probe's httpHeaders.</param>
/// <param name="GrpcService">grpc: the service named in the health check request; empty: the server as a whole.</param>
/// <param name="Timeout">The probe's timeoutSeconds (Kubernetes' default, 1 s, when absent).</param>
internal sealed record AppProbe(
    string Path,
    AppProbeKind Kind,
    string? Host,
    int Port,
    string HttpPath,
    bool Https,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    string GrpcService,
    TimeSpan Timeout);
