using System.Net;
using System.Threading.Channels;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Webhooks;

/// <summary>
/// Keeps the control plane's webhook configurations pointed at its listener, as istiod does: every webhook of the
/// MutatingWebhookConfiguration and of the ValidatingWebhookConfiguration gets the CA's root bundle as its
/// <c>clientConfig.caBundle</c>, at start and again whenever someone changes the object. The validating one stays
/// <c>failurePolicy: Ignore</c> until a dry-run create of an invalid Gateway comes back denied (the API server reaches
/// <c>/validate</c> and it answers), then becomes <c>Fail</c>. Updates carry the resourceVersion read; a conflict is read
/// again at once, other failures retried with backoff. A configuration labelled for another revision is left alone.
/// </summary>
internal sealed class WebhookConfigurationPatcher : IAsyncDisposable
{
    private const string Ignore = "Ignore";
    private const string Fail = "Fail";
    private const int ConflictRetries = 5;

    private readonly IKubernetes _client;
    private readonly IInformer<V1MutatingWebhookConfiguration> _mutatingInformer;
    private readonly IInformer<V1ValidatingWebhookConfiguration> _validatingInformer;
    private readonly IWebhookConfigurationTarget _injector;
    private readonly IWebhookConfigurationTarget _validator;
    private readonly KubernetesOptions _kubernetes;
    private readonly Func<byte[]> _caBundle;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _firstRetry;
    private readonly TimeSpan _maxRetry;
    private readonly Channel<IWebhookConfigurationTarget> _work = Channel.CreateUnbounded<IWebhookConfigurationTarget>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<IWebhookConfigurationTarget, TimeSpan> _retryDelays = [];
    private readonly HashSet<IWebhookConfigurationTarget> _reportedMissing = [];
    private IReadOnlyList<Informer<V1MutatingWebhookConfiguration>> _ownedMutating = [];
    private IReadOnlyList<Informer<V1ValidatingWebhookConfiguration>> _ownedValidating = [];
    private Task _loop = Task.CompletedTask;
    private volatile bool _validationReady;
    private string? _lastNotReadyReason;

    /// <param name="caBundle">The CA's root certificates, PEM, as the API server wants them in caBundle.</param>
    /// <param name="firstRetry">The first delay before a failed patch or a not-yet-refused dry run is tried again; doubles up to <paramref name="maxRetry"/>.</param>
    public WebhookConfigurationPatcher(IKubernetes client, IInformer<V1MutatingWebhookConfiguration> mutating, IInformer<V1ValidatingWebhookConfiguration> validating,
        WebhookOptions options, KubernetesOptions kubernetes, Func<byte[]> caBundle, TimeProvider time, ILogger logger,
        TimeSpan? firstRetry = null, TimeSpan? maxRetry = null)
    {
        _client = client;
        _mutatingInformer = mutating;
        _validatingInformer = validating;
        _injector = WebhookConfigurationTargets.Mutating(client, options.InjectorConfigName, mutating);
        _validator = WebhookConfigurationTargets.Validating(client, options.ValidatorConfigName, validating);
        _kubernetes = kubernetes;
        _caBundle = caBundle;
        _time = time;
        _logger = logger;
        _firstRetry = firstRetry ?? TimeSpan.FromSeconds(1);
        _maxRetry = maxRetry ?? TimeSpan.FromMinutes(5);
    }

    /// <summary>A patcher with informers of its own on the two kinds, started and stopped with it, listed in <paramref name="informers"/> when given.</summary>
    public static WebhookConfigurationPatcher Create(IKubernetes client, WebhookOptions options, KubernetesOptions kubernetes, Func<byte[]> caBundle,
        TimeProvider time, ILoggerFactory loggers, TimeSpan? firstRetry = null, TimeSpan? maxRetry = null, InformerCatalog? informers = null)
    {
        var informerLogger = loggers.CreateLogger("Mesh.ControlPlane.Kubernetes.Informer");
        var mutating = new Informer<V1MutatingWebhookConfiguration>("admissionregistration.k8s.io/v1/mutatingwebhookconfigurations",
            InformerSources.MutatingWebhookConfigurations(client), time, informerLogger);
        var validating = new Informer<V1ValidatingWebhookConfiguration>("admissionregistration.k8s.io/v1/validatingwebhookconfigurations",
            InformerSources.ValidatingWebhookConfigurations(client), time, informerLogger);
        informers?.Add(mutating);
        informers?.Add(validating);
        return new WebhookConfigurationPatcher(client, mutating, validating, options, kubernetes, caBundle, time,
            loggers.CreateLogger<WebhookConfigurationPatcher>(), firstRetry, maxRetry)
        {
            _ownedMutating = [mutating],
            _ownedValidating = [validating],
        };
    }

    /// <summary>True once a dry run of invalid config was denied and the validating webhooks may fail closed.</summary>
    public bool ValidationReady => _validationReady;

    /// <summary>Patches both configurations once their informers have synced, then on every change to either.</summary>
    public void Start()
    {
        _mutatingInformer.Changed += (kind, configuration) => OnChanged(_injector, kind, configuration.Metadata.Name);
        _validatingInformer.Changed += (kind, configuration) => OnChanged(_validator, kind, configuration.Metadata.Name);
        foreach (var informer in _ownedMutating) informer.Start();
        foreach (var informer in _ownedValidating) informer.Start();
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    private void OnChanged(IWebhookConfigurationTarget target, InformerEventKind kind, string name)
    {
        if (kind != InformerEventKind.Deleted && name == target.Name) _work.Writer.TryWrite(target);
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _mutatingInformer.WaitForSyncAsync(cancellationToken);
            await _validatingInformer.WaitForSyncAsync(cancellationToken);
            _work.Writer.TryWrite(_injector);
            _work.Writer.TryWrite(_validator);
            await foreach (var target in _work.Reader.ReadAllAsync(cancellationToken))
            {
                await ReconcileAsync(target, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task ReconcileAsync(IWebhookConfigurationTarget target, CancellationToken cancellationToken)
    {
        if (!target.CachedExists)
        {
            if (_reportedMissing.Add(target)) WebhookLog.ConfigurationMissing(_logger, target.Kind, target.Name);
            return;
        }

        _reportedMissing.Remove(target);
        if (target.CachedRevision is { } revision && revision != _kubernetes.Revision)
        {
            WebhookLog.OtherRevision(_logger, target.Kind, target.Name, revision, _kubernetes.Revision);
            return;
        }

        var bundle = _caBundle();
        var failurePolicy = target == _validator ? (_validationReady ? Fail : Ignore) : null;
        if (!target.CachedIsCurrent(bundle, failurePolicy) && !await UpdateAsync(target, bundle, failurePolicy, cancellationToken))
        {
            return;
        }

        if (target == _validator && !_validationReady)
        {
            await CheckValidationAsync(cancellationToken);
        }
    }

    /// <summary>Writes the bundle (and policy); false when it failed and a retry is scheduled.</summary>
    private async Task<bool> UpdateAsync(IWebhookConfigurationTarget target, byte[] bundle, string? failurePolicy, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (await target.UpdateAsync(bundle, failurePolicy, cancellationToken) is var (webhooks, resourceVersion))
                {
                    WebhookLog.Patched(_logger, target.Kind, target.Name, webhooks, failurePolicy is null ? "" : $", failurePolicy {failurePolicy}", resourceVersion);
                }

                _retryDelays.Remove(target);
                return true;
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict && attempt < ConflictRetries)
            {
                // Someone changed it since we read it: read it again and apply on top of theirs.
            }
            catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
            {
                // Deleted since the cache saw it: patched again when it is created.
                return false;
            }
            catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException)
            {
                RetryLater(target, Describe(e));
                return false;
            }
        }
    }

    /// <summary>
    /// istiod's check before failing closed: a dry-run create of a Gateway that validation must refuse. Denied by a
    /// webhook: validation answers. No Gateway kind, or a webhook that cannot dry-run: nothing to wait for either.
    /// </summary>
    private async Task CheckValidationAsync(CancellationToken cancellationToken)
    {
        string reason;
        try
        {
            await _client.CustomObjects.CreateNamespacedCustomObjectAsync(ValidationProbe.Gateway(_kubernetes.SystemNamespace, _kubernetes.Revision),
                "networking.istio.io", "v1", _kubernetes.SystemNamespace, "gateways", dryRun: "All", cancellationToken: cancellationToken);
            reason = "a dry run of an invalid Gateway was accepted";
        }
        catch (HttpOperationException e) when (ValidationProbe.ShowsValidationAnswers(e.Response.Content, out var why))
        {
            _validationReady = true;
            WebhookLog.ValidationReady(_logger, _validator.Name, why);
            _work.Writer.TryWrite(_validator);
            return;
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or IOException)
        {
            reason = "the dry run failed: " + Describe(e);
        }

        // Once per reason: the dry run is retried with backoff and would repeat the same line.
        if (reason != _lastNotReadyReason) WebhookLog.ValidationNotReady(_logger, reason);
        _lastNotReadyReason = reason;
        RetryLater(_validator, null);
    }

    private void RetryLater(IWebhookConfigurationTarget target, string? failure)
    {
        var delay = _retryDelays.TryGetValue(target, out var last) ? TimeSpan.FromTicks(Math.Min(last.Ticks * 2, _maxRetry.Ticks)) : _firstRetry;
        _retryDelays[target] = delay;
        if (failure is not null) WebhookLog.PatchFailed(_logger, target.Kind, target.Name, failure, delay);
        ITimer? timer = null;
        timer = _time.CreateTimer(_ =>
        {
            _work.Writer.TryWrite(target);
            timer?.Dispose();
        }, null, delay, Timeout.InfiniteTimeSpan);
    }

    private static string Describe(Exception e) => e is HttpOperationException { Response: { } response }
        ? $"{(int)response.StatusCode} {response.ReasonPhrase}: {(response.Content is { Length: > 300 } content ? content[..300] : response.Content)}"
        : e.Message;

    public async ValueTask DisposeAsync()
    {
        _work.Writer.TryComplete();
        await _stop.CancelAsync();
        await _loop;
        foreach (var informer in _ownedMutating) await informer.DisposeAsync();
        foreach (var informer in _ownedValidating) await informer.DisposeAsync();
        _stop.Dispose();
    }
}
