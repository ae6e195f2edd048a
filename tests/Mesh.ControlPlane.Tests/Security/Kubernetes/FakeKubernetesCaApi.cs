using System.Collections.Concurrent;
using System.Net;
using k8s.Autorest;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;

namespace Mesh.ControlPlane.Tests.Security.Kubernetes;

/// <summary>
/// The CA's API calls against in-memory Secrets and ConfigMaps, with the API server's answers where the code depends on
/// them (404 on a missing Secret, 409 on a second create or a stale resourceVersion); TokenReviews answered by a delegate.
/// </summary>
internal sealed class FakeKubernetesCaApi : IKubernetesCaApi
{
    private long _resourceVersion;

    public ConcurrentDictionary<(string Namespace, string Name), V1Secret> Secrets { get; } = new();
    public ConcurrentDictionary<(string Namespace, string Name), V1ConfigMap> ConfigMaps { get; } = new();
    public ConcurrentQueue<V1TokenReview> Reviews { get; } = new();
    public ConcurrentQueue<string> Writes { get; } = new();

    /// <summary>The API server's answer to a TokenReview (its status).</summary>
    public Func<V1TokenReview, CancellationToken, Task<V1TokenReviewStatus>> Review { get; set; } =
        (_, _) => Task.FromResult(new V1TokenReviewStatus { Authenticated = false });

    /// <summary>Runs before a Secret is created: a test's other control plane creating it first.</summary>
    public Action<V1Secret>? BeforeSecretCreate { get; set; }

    /// <summary>Raised after a ConfigMap was written, as a watch would report it.</summary>
    public Action<V1ConfigMap>? ConfigMapWritten { get; set; }

    /// <summary>Failures the next writes of ConfigMaps meet, one each.</summary>
    public ConcurrentQueue<HttpStatusCode> ConfigMapFailures { get; } = new();

    public async Task<V1TokenReview> CreateTokenReviewAsync(V1TokenReview review, CancellationToken cancellationToken)
    {
        Reviews.Enqueue(review);
        return new V1TokenReview { Spec = review.Spec, Status = await Review(review, cancellationToken) };
    }

    public Task<V1Secret?> ReadSecretAsync(string ns, string name, CancellationToken cancellationToken) =>
        Task.FromResult(Secrets.TryGetValue((ns, name), out var secret) ? secret : null);

    public Task<V1Secret> CreateSecretAsync(V1Secret secret, CancellationToken cancellationToken)
    {
        BeforeSecretCreate?.Invoke(secret);
        Writes.Enqueue($"create secret {secret.Namespace()}/{secret.Name()}");
        return Secrets.TryAdd((secret.Namespace(), secret.Name()), Stamp(secret)) ? Task.FromResult(secret) : throw Error(HttpStatusCode.Conflict);
    }

    public Task<V1ConfigMap> CreateConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken)
    {
        Fail();
        Writes.Enqueue($"create configmap {configMap.Namespace()}/{configMap.Name()}");
        if (!ConfigMaps.TryAdd((configMap.Namespace(), configMap.Name()), Stamp(configMap))) throw Error(HttpStatusCode.Conflict);
        ConfigMapWritten?.Invoke(configMap);
        return Task.FromResult(configMap);
    }

    public Task<V1ConfigMap> ReplaceConfigMapAsync(V1ConfigMap configMap, CancellationToken cancellationToken)
    {
        Fail();
        Writes.Enqueue($"replace configmap {configMap.Namespace()}/{configMap.Name()}");
        var key = (configMap.Namespace(), configMap.Name());
        if (!ConfigMaps.TryGetValue(key, out var current)) throw Error(HttpStatusCode.NotFound);
        if (current.ResourceVersion() != configMap.ResourceVersion()) throw Error(HttpStatusCode.Conflict);
        ConfigMaps[key] = Stamp(configMap);
        ConfigMapWritten?.Invoke(configMap);
        return Task.FromResult(configMap);
    }

    public static HttpOperationException Error(HttpStatusCode status) => new($"{(int)status}")
    {
        Response = new HttpResponseMessageWrapper(new HttpResponseMessage(status), $$"""{"kind":"Status","message":"the fake API server says {{status}}"}"""),
    };

    private void Fail()
    {
        if (ConfigMapFailures.TryDequeue(out var status)) throw Error(status);
    }

    private T Stamp<T>(T item) where T : k8s.IKubernetesObject<V1ObjectMeta>
    {
        item.Metadata.ResourceVersion = Interlocked.Increment(ref _resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return item;
    }
}
