using k8s.Models;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The API calls the CA makes, and nothing else: a TokenReview per unknown token, the CA Secrets in the system namespace,
/// and the root-certificate ConfigMaps. A failed call throws KubernetesClient's <see cref="k8s.Autorest.HttpOperationException"/>
/// (the status code says what happened: 404, 409, 403).
/// </summary>
internal interface IKubernetesCaApi
{
    Task<V1TokenReview> CreateTokenReviewAsync(V1TokenReview review, CancellationToken cancellationToken);

    /// <summary>The Secret, or null when there is none of that name.</summary>
    Task<V1Secret?> ReadSecretAsync(string ns, string name, CancellationToken cancellationToken);

    Task<V1Secret> CreateSecretAsync(V1Secret secret, CancellationToken cancellationToken);

    Task<V1ConfigMap> CreateConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken);

    /// <summary>Replaces the ConfigMap; its resourceVersion guards against overwriting a change made meanwhile (409).</summary>
    Task<V1ConfigMap> ReplaceConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken);
}
