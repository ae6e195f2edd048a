using k8s;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;

namespace Mesh.ControlPlane.Webhooks;

/// <summary>
/// One webhook configuration the control plane keeps current: where its cached copy is, how to read and replace it,
/// and how to set the CA bundle (and the failure policy, for the validating one) on each of its webhooks.
/// </summary>
internal sealed class WebhookConfigurationTarget<T>(
    string kind,
    string name,
    IInformer<T> informer,
    Func<string, CancellationToken, Task<T>> read,
    Func<T, CancellationToken, Task<T>> replace,
    Func<T, IReadOnlyList<(Admissionregistrationv1WebhookClientConfig ClientConfig, string? FailurePolicy)>> webhooks,
    Action<T, byte[], string?> apply) : IWebhookConfigurationTarget
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    public string Kind => kind;

    public string Name => name;

    private T? Cached => informer.Get(null, name);

    public bool CachedExists => Cached is not null;

    public string? CachedRevision => Cached?.Metadata.Labels?.TryGetValue("istio.io/rev", out var revision) == true ? revision : null;

    public bool CachedIsCurrent(byte[] caBundle, string? failurePolicy) => Cached is { } cached && IsCurrent(cached, caBundle, failurePolicy);

    /// <summary>Reads the object fresh, sets what differs and replaces it with the resourceVersion read; null when nothing differed.</summary>
    public async Task<(int Webhooks, string? ResourceVersion)?> UpdateAsync(byte[] caBundle, string? failurePolicy, CancellationToken cancellationToken)
    {
        var fresh = await read(name, cancellationToken);
        if (IsCurrent(fresh, caBundle, failurePolicy))
        {
            return null;
        }

        apply(fresh, caBundle, failurePolicy);
        var replaced = await replace(fresh, cancellationToken);
        return (webhooks(fresh).Count, replaced.Metadata.ResourceVersion);
    }

    private bool IsCurrent(T configuration, byte[] caBundle, string? failurePolicy)
    {
        foreach (var (clientConfig, policy) in webhooks(configuration))
        {
            if (clientConfig?.CaBundle is not { } bundle || !bundle.AsSpan().SequenceEqual(caBundle)) return false;
            if (failurePolicy is not null && policy != failurePolicy) return false;
        }

        return true;
    }
}

/// <summary>What the patcher needs of a target whatever its kind.</summary>
internal interface IWebhookConfigurationTarget
{
    string Kind { get; }

    string Name { get; }

    bool CachedExists { get; }

    /// <summary>The cached object's istio.io/rev label, or null.</summary>
    string? CachedRevision { get; }

    bool CachedIsCurrent(byte[] caBundle, string? failurePolicy);

    Task<(int Webhooks, string? ResourceVersion)?> UpdateAsync(byte[] caBundle, string? failurePolicy, CancellationToken cancellationToken);
}

/// <summary>The two kinds of webhook configuration, on KubernetesClient.</summary>
internal static class WebhookConfigurationTargets
{
    public static WebhookConfigurationTarget<V1MutatingWebhookConfiguration> Mutating(IKubernetes client, string name, IInformer<V1MutatingWebhookConfiguration> informer) => new(
        "MutatingWebhookConfiguration", name, informer,
        (n, ct) => client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync(n, cancellationToken: ct),
        (o, ct) => client.AdmissionregistrationV1.ReplaceMutatingWebhookConfigurationAsync(o, o.Metadata.Name, cancellationToken: ct),
        o => [.. (o.Webhooks ?? []).Select(w => (w.ClientConfig, (string?)w.FailurePolicy))],
        (o, bundle, _) =>
        {
            foreach (var webhook in o.Webhooks ?? [])
            {
                webhook.ClientConfig ??= new Admissionregistrationv1WebhookClientConfig();
                webhook.ClientConfig.CaBundle = bundle;
            }
        });

    public static WebhookConfigurationTarget<V1ValidatingWebhookConfiguration> Validating(IKubernetes client, string name, IInformer<V1ValidatingWebhookConfiguration> informer) => new(
        "ValidatingWebhookConfiguration", name, informer,
        (n, ct) => client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync(n, cancellationToken: ct),
        (o, ct) => client.AdmissionregistrationV1.ReplaceValidatingWebhookConfigurationAsync(o, o.Metadata.Name, cancellationToken: ct),
        o => [.. (o.Webhooks ?? []).Select(w => (w.ClientConfig, (string?)w.FailurePolicy))],
        (o, bundle, failurePolicy) =>
        {
            foreach (var webhook in o.Webhooks ?? [])
            {
                webhook.ClientConfig ??= new Admissionregistrationv1WebhookClientConfig();
                webhook.ClientConfig.CaBundle = bundle;
                if (failurePolicy is not null) webhook.FailurePolicy = failurePolicy;
            }
        });
}
