namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The control plane's Kubernetes side, as the command line gives it. Present only when the control plane reads a
/// cluster (<c>--kubeconfig</c> or <c>--in-cluster</c>); a folder source alone leaves it null.
/// </summary>
internal sealed record KubernetesOptions
{
    /// <summary>The kubeconfig file to reach the API server with; null: in-cluster (service-account token, CA, KUBERNETES_SERVICE_HOST).</summary>
    public string? KubeconfigPath { get; init; }

    /// <summary>The kubeconfig context to use; null: its current-context.</summary>
    public string? Context { get; init; }

    /// <summary>The namespace the control plane runs in and keeps its own objects in (istiod's POD_NAMESPACE, istio-system).</summary>
    public string SystemNamespace { get; init; } = "istio-system";

    /// <summary>istiod's CLUSTER_ID: reported to proxies and Kiali, written into injected pods.</summary>
    public string ClusterId { get; init; } = "Kubernetes";

    /// <summary>The cluster's DNS domain: a Service's host is <c>name.namespace.svc.&lt;suffix&gt;</c>.</summary>
    public string DomainSuffix { get; init; } = "cluster.local";

    /// <summary>istio.io/rev of this control plane: "default" answers namespaces labelled istio-injection=enabled and istio.io/rev=default.</summary>
    public string Revision { get; init; } = "default";

    /// <summary>How long the control plane waits at start for every informer's first list before it gives up, naming the one that did not sync.</summary>
    public TimeSpan SyncTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long informer events must stay quiet before they are applied: a relist of a thousand objects is one change.</summary>
    public TimeSpan EventSettle { get; init; } = TimeSpan.FromMilliseconds(50);
}
