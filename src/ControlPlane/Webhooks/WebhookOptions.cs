namespace Mesh.ControlPlane.Webhooks;

/// <summary>
/// The admission webhooks' listener and the webhook configurations the control plane keeps pointed at it, as the
/// command line gives them. The API server reaches the listener through the <c>istiod</c> Service (443 → 15017).
/// </summary>
internal sealed record WebhookOptions
{
    /// <summary>The TLS (HTTP/1.1 and HTTP/2) port of <c>/inject</c> and <c>/validate</c> (istiod's 15017); 0 picks a free one.</summary>
    public int Port { get; init; } = 15017;

    /// <summary>The Service the API server calls the webhooks through: its DNS names go into the serving certificate.</summary>
    public string ServiceName { get; init; } = "istiod";

    /// <summary>More names for the serving certificate: DNS names, or IP addresses as IP SANs (a test's 127.0.0.1).</summary>
    public IReadOnlyList<string> ExtraHosts { get; init; } = [];

    /// <summary>The lifetime of the listener's certificate, reissued at 80% like the gRPC port's.</summary>
    public TimeSpan CertificateLifetime { get; init; } = TimeSpan.FromDays(1);

    /// <summary>The MutatingWebhookConfiguration whose webhooks get our CA bundle (Istio's default install names it so).</summary>
    public string InjectorConfigName { get; init; } = "istio-sidecar-injector";

    /// <summary>The ValidatingWebhookConfiguration whose webhooks get our CA bundle and, once validation works, failurePolicy Fail.</summary>
    public string ValidatorConfigName { get; init; } = "istio-validator-istio-system";

    /// <summary>The DNS names the API server dials the Service by, in <paramref name="systemNamespace"/>, then <see cref="ExtraHosts"/>.</summary>
    public IReadOnlyList<string> CertificateNames(string systemNamespace, string domainSuffix)
    {
        var names = new List<string>(2 + ExtraHosts.Count)
        {
            $"{ServiceName}.{systemNamespace}.svc",
            $"{ServiceName}.{systemNamespace}.svc.{domainSuffix}",
        };
        names.AddRange(ExtraHosts);
        return names;
    }
}
