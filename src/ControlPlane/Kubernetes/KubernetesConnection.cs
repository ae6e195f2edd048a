using k8s;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>The API server client: from a kubeconfig (token or client certificate; exec plugins are not run) or in-cluster.</summary>
internal static class KubernetesConnection
{
    /// <summary>The client configuration; throws <see cref="k8s.Exceptions.KubeConfigException"/> with the reason when it cannot be built.</summary>
    public static KubernetesClientConfiguration Configure(KubernetesOptions options) => options.KubeconfigPath is { } path
        ? KubernetesClientConfiguration.BuildConfigFromConfigFile(path, options.Context)
        : KubernetesClientConfiguration.InClusterConfig();

    public static IKubernetes Create(KubernetesOptions options) => new k8s.Kubernetes(Configure(options));
}
