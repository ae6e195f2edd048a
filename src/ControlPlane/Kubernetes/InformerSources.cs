using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.ControlPlane.Kubernetes;

// WatcherExt.WatchAsync is marked obsolete in favour of generated per-kind watch methods that 21.0.8 has for custom
// objects only (and those yield untyped objects): this one call shape serves every kind, typed or custom.
#pragma warning disable CS0618

/// <summary>The list and watch calls of the kinds the control plane caches, across all namespaces, on KubernetesClient.</summary>
internal static class InformerSources
{
    public static InformerSource<V1Service> Services(IKubernetes client) => Typed<V1Service, V1ServiceList>((watch, version, ct) =>
        client.CoreV1.ListServiceForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    public static InformerSource<V1Pod> Pods(IKubernetes client) => Typed<V1Pod, V1PodList>((watch, version, ct) =>
        client.CoreV1.ListPodForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    public static InformerSource<V1Namespace> Namespaces(IKubernetes client) => Typed<V1Namespace, V1NamespaceList>((watch, version, ct) =>
        client.CoreV1.ListNamespaceWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    public static InformerSource<V1Node> Nodes(IKubernetes client) => Typed<V1Node, V1NodeList>((watch, version, ct) =>
        client.CoreV1.ListNodeWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    public static InformerSource<V1EndpointSlice> EndpointSlices(IKubernetes client) => Typed<V1EndpointSlice, V1EndpointSliceList>((watch, version, ct) =>
        client.DiscoveryV1.ListEndpointSliceForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    public static InformerSource<V1MutatingWebhookConfiguration> MutatingWebhookConfigurations(IKubernetes client) => Typed<V1MutatingWebhookConfiguration, V1MutatingWebhookConfigurationList>((watch, version, ct) =>
        client.AdmissionregistrationV1.ListMutatingWebhookConfigurationWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    public static InformerSource<V1ValidatingWebhookConfiguration> ValidatingWebhookConfigurations(IKubernetes client) => Typed<V1ValidatingWebhookConfiguration, V1ValidatingWebhookConfigurationList>((watch, version, ct) =>
        client.AdmissionregistrationV1.ListValidatingWebhookConfigurationWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    /// <summary>
    /// Secrets of every namespace but service account tokens and Helm releases (Istio's field selector), each trimmed
    /// to its TLS credential keys before it is cached (<see cref="SecretCredentials.Trim"/>).
    /// </summary>
    public static InformerSource<V1Secret> Secrets(IKubernetes client)
    {
        var source = Typed<V1Secret, V1SecretList>((watch, version, ct) =>
            client.CoreV1.ListSecretForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, fieldSelector: SecretCredentials.FieldSelector,
                resourceVersion: version, watch: watch, cancellationToken: ct));
        return new InformerSource<V1Secret>(
            async ct =>
            {
                var list = await source.List(ct);
                var trimmed = new V1Secret[list.Items.Count];
                for (var i = 0; i < trimmed.Length; i++) trimmed[i] = SecretCredentials.Trim(list.Items[i]);
                return new InformerList<V1Secret>(trimmed, list.ResourceVersion);
            },
            (resourceVersion, onError, ct) => Trimmed(source.Watch(resourceVersion, onError, ct), ct));
    }

    private static async IAsyncEnumerable<(WatchEventType Type, V1Secret Object)> Trimmed(IAsyncEnumerable<(WatchEventType Type, V1Secret Object)> events,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var (type, secret) in events.WithCancellation(ct)) yield return (type, SecretCredentials.Trim(secret));
    }

    public static InformerSource<V1Ingress> Ingresses(IKubernetes client) => Typed<V1Ingress, V1IngressList>((watch, version, ct) =>
        client.NetworkingV1.ListIngressForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    public static InformerSource<V1IngressClass> IngressClasses(IKubernetes client) => Typed<V1IngressClass, V1IngressClassList>((watch, version, ct) =>
        client.NetworkingV1.ListIngressClassWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    /// <summary>ConfigMaps of every namespace, only those the field selector names (the CA's root ConfigMap: metadata.name=istio-ca-root-cert).</summary>
    public static InformerSource<V1ConfigMap> ConfigMaps(IKubernetes client, string fieldSelector) => Typed<V1ConfigMap, V1ConfigMapList>((watch, version, ct) =>
        client.CoreV1.ListConfigMapForAllNamespacesWithHttpMessagesAsync(allowWatchBookmarks: watch, fieldSelector: fieldSelector, resourceVersion: version, watch: watch, cancellationToken: ct));

    public static InformerSource<V1CustomResourceDefinition> CustomResourceDefinitions(IKubernetes client) => Typed<V1CustomResourceDefinition, V1CustomResourceDefinitionList>((watch, version, ct) =>
        client.ApiextensionsV1.ListCustomResourceDefinitionWithHttpMessagesAsync(allowWatchBookmarks: watch, resourceVersion: version, watch: watch, cancellationToken: ct));

    /// <summary>One ConfigMap by name (the istio mesh config): a field selector keeps the watch to that object.</summary>
    public static InformerSource<V1ConfigMap> ConfigMap(IKubernetes client, string ns, string name) => Typed<V1ConfigMap, V1ConfigMapList>((watch, version, ct) =>
        client.CoreV1.ListNamespacedConfigMapWithHttpMessagesAsync(ns, allowWatchBookmarks: watch, fieldSelector: $"metadata.name={name}",
            resourceVersion: version, watch: watch, cancellationToken: ct));

    /// <summary>A custom resource (an Istio kind) at one group version, kept as JSON.</summary>
    public static InformerSource<CustomObject> Custom(IKubernetes client, string group, string version, string plural) => new(
        async ct =>
        {
            using var response = await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<CustomObjectList>(group, version, plural, cancellationToken: ct);
            var body = response.Body;
            return new InformerList<CustomObject>(body.Items ?? [], body.Metadata?.ResourceVersion ?? "");
        },
        (resourceVersion, onError, ct) => client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<object>(group, version, plural,
            allowWatchBookmarks: true, resourceVersion: resourceVersion, watch: true, cancellationToken: ct).WatchAsync<CustomObject, object>(onError, ct));

    /// <param name="call">The kind's list call: (watch, resourceVersion, cancellation); without watch it lists from the cache-consistent latest.</param>
    private static InformerSource<T> Typed<T, TList>(Func<bool?, string?, CancellationToken, Task<HttpOperationResponse<TList>>> call)
        where T : class, IKubernetesObject<V1ObjectMeta>
        where TList : IItems<T>, IMetadata<V1ListMeta> => new(
        async ct =>
        {
            using var response = await call(null, null, ct);
            return new InformerList<T>([.. response.Body.Items], response.Body.Metadata?.ResourceVersion ?? "");
        },
        (resourceVersion, onError, ct) => call(true, resourceVersion, ct).WatchAsync<T, TList>(onError, ct));
}
#pragma warning restore CS0618
