using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>The CA's API calls on KubernetesClient.</summary>
internal sealed class KubernetesCaApi(IKubernetes client) : IKubernetesCaApi
{
    public Task<V1TokenReview> CreateTokenReviewAsync(V1TokenReview review, CancellationToken cancellationToken) =>
        client.AuthenticationV1.CreateTokenReviewAsync(review, cancellationToken: cancellationToken);

    public async Task<V1Secret?> ReadSecretAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            return await client.CoreV1.ReadNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException ex) when (ex.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public Task<V1Secret> CreateSecretAsync(V1Secret secret, CancellationToken cancellationToken) =>
        client.CoreV1.CreateNamespacedSecretAsync(secret, secret.Namespace(), cancellationToken: cancellationToken);

    public Task<V1ConfigMap> CreateConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken) =>
        client.CoreV1.CreateNamespacedConfigMapAsync(configMap, configMap.Namespace(), cancellationToken: cancellationToken);

    public Task<V1ConfigMap> ReplaceConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken) =>
        client.CoreV1.ReplaceNamespacedConfigMapAsync(configMap, configMap.Name(), configMap.Namespace(), cancellationToken: cancellationToken);
}
