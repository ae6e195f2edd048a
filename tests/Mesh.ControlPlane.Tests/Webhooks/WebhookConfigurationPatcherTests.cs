using System.Text;
using k8s;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Webhooks;
using Mesh.Kubernetes.Tests;
using Mesh.Kubernetes.TestServer;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Webhooks;

/// <summary>The CA bundle written into the webhook configurations stored in the test API server, and written again after kubectl changes them.</summary>
public sealed class WebhookConfigurationPatcherTests : IAsyncLifetime
{
    private static readonly byte[] Bundle = Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----\nMIIBmesh\n-----END CERTIFICATE-----\n");
    private readonly LogCapture _logs = new();
    private readonly TempDirectory _dir = new();
    private TestApiServer _server = null!;
    private IKubernetes _client = null!;
    private ILoggerFactory _loggers = null!;

    public async Task InitializeAsync()
    {
        _server = await TestApiServer.StartAsync();
        _client = new k8s.Kubernetes(_server.ClientConfiguration());
        _loggers = LoggerFactory.Create(logging => logging.AddProvider(_logs));
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _loggers.Dispose();
        await _server.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task Start_BothConfigurations_EveryWebhookGetsTheBundleAndValidationFailsClosedWhenItCanBeChecked()
    {
        await _client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("istio-sidecar-injector", "default"));
        await _client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Validating("istio-validator-istio-system"));
        await using var patcher = Start();

        await WaitAsync(async () => (await MutatingAsync()).Webhooks.All(w => HasBundle(w.ClientConfig.CaBundle)), "the injector's caBundle");
        // No Gateway kind on this server: nothing to dry-run, so (as istiod) validation is taken as answering.
        await WaitAsync(async () => (await ValidatingAsync()).Webhooks.All(w => HasBundle(w.ClientConfig.CaBundle) && w.FailurePolicy == "Fail"),
            "the validator's caBundle and failurePolicy Fail");
        Assert.True(patcher.ValidationReady);
        Assert.Contains(_logs.Lines, l => l.EventId == 464 && l.Message.StartsWith("MutatingWebhookConfiguration istio-sidecar-injector: CA bundle written into 2 webhooks", StringComparison.Ordinal));
        Assert.Contains(_logs.Lines, l => l.EventId == 468);
    }

    [SkippableFact]
    public async Task KubectlApply_BundleRemoved_WrittenAgain()
    {
        Kubectl.SkipUnlessInstalled();
        await _client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("istio-sidecar-injector", "default"));
        await using var patcher = Start();
        await WaitAsync(async () => HasBundle((await MutatingAsync()).Webhooks[0].ClientConfig.CaBundle), "the first patch");
        var kubectl = new Kubectl(_server.WriteKubeconfig(Path.Combine(_dir.Path, "kubeconfig")), Path.Combine(_dir.Path, "cache"));

        var replaced = await kubectl.SucceedWithInputAsync(
            KubernetesJson.Serialize(Mutating("istio-sidecar-injector", "default", caBundle: Encoding.ASCII.GetBytes("stale"))), "replace", "-f", "-");

        Assert.Contains("replaced", replaced);
        await WaitAsync(async () => (await MutatingAsync()).Webhooks.All(w => HasBundle(w.ClientConfig.CaBundle)), "the bundle written again");
        // The patcher logs its write once the API server has answered, so the line can follow the stored bundle.
        await WaitAsync(() => MutatingPatchesLogged() >= 2, "the second write's log line");
        Assert.Equal(2, MutatingPatchesLogged());
    }

    [Fact]
    public async Task Start_ConfigurationOfAnotherRevision_LeftAlone()
    {
        await _client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("istio-sidecar-injector", "canary"));
        await using var patcher = Start();

        await WaitAsync(() => _logs.Lines.Any(l => l.EventId == 466), "the other revision to be reported");
        Assert.Null((await MutatingAsync()).Webhooks[0].ClientConfig.CaBundle);
    }

    [Fact]
    public async Task Start_ConfigurationCreatedLater_PatchedWhenItAppears()
    {
        await using var patcher = Start();
        await WaitAsync(() => _logs.Lines.Any(l => l.EventId == 465 && l.Message.Contains("istio-sidecar-injector")), "the missing configuration to be reported");

        await _client.AdmissionregistrationV1.CreateMutatingWebhookConfigurationAsync(Mutating("istio-sidecar-injector", "default"));

        await WaitAsync(async () => HasBundle((await MutatingAsync()).Webhooks[0].ClientConfig.CaBundle), "the late configuration's caBundle");
    }

    /// <summary>Waits as <see cref="Eventually"/> does; a timeout shows the control plane's log lines.</summary>
    private async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        try
        {
            await Eventually.TrueAsync(condition, what);
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\nLog:\n" + string.Join("\n", _logs.Lines.Select(l => $"[{l.EventId}] {l.Message}")));
        }
    }

    private int MutatingPatchesLogged() => _logs.Lines.Count(l => l.EventId == 464 && l.Message.StartsWith("MutatingWebhookConfiguration", StringComparison.Ordinal));

    private Task WaitAsync(Func<bool> condition, string what) => WaitAsync(() => Task.FromResult(condition()), what);

    private static bool HasBundle(byte[]? caBundle) => caBundle is not null && Bundle.AsSpan().SequenceEqual(caBundle);

    private WebhookConfigurationPatcher Start()
    {
        var patcher = WebhookConfigurationPatcher.Create(_client, new WebhookOptions(), new KubernetesOptions(), () => Bundle, TimeProvider.System, _loggers,
            firstRetry: TimeSpan.FromMilliseconds(50), maxRetry: TimeSpan.FromMilliseconds(200));
        patcher.Start();
        return patcher;
    }

    private Task<V1MutatingWebhookConfiguration> MutatingAsync() => _client.AdmissionregistrationV1.ReadMutatingWebhookConfigurationAsync("istio-sidecar-injector");

    private Task<V1ValidatingWebhookConfiguration> ValidatingAsync() => _client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("istio-validator-istio-system");

    private static Admissionregistrationv1WebhookClientConfig Service(string path, byte[]? caBundle) =>
        new() { Service = new Admissionregistrationv1ServiceReference { Name = "istiod", NamespaceProperty = "istio-system", Path = path, Port = 443 }, CaBundle = caBundle };

    /// <summary>Istio's injector registration: two webhooks (namespace label, object label) on one configuration.</summary>
    private static V1MutatingWebhookConfiguration Mutating(string name, string revision, byte[]? caBundle = null) => new()
    {
        ApiVersion = "admissionregistration.k8s.io/v1",
        Kind = "MutatingWebhookConfiguration",
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["istio.io/rev"] = revision, ["app"] = "sidecar-injector" } },
        Webhooks =
        [
            new V1MutatingWebhook { Name = "rev.namespace.sidecar-injector.istio.io", ClientConfig = Service("/inject", caBundle), SideEffects = "None", AdmissionReviewVersions = ["v1"], FailurePolicy = "Fail" },
            new V1MutatingWebhook { Name = "rev.object.sidecar-injector.istio.io", ClientConfig = Service("/inject", caBundle), SideEffects = "None", AdmissionReviewVersions = ["v1"], FailurePolicy = "Fail" },
        ],
    };

    private static V1ValidatingWebhookConfiguration Validating(string name) => new()
    {
        ApiVersion = "admissionregistration.k8s.io/v1",
        Kind = "ValidatingWebhookConfiguration",
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["istio.io/rev"] = "default", ["app"] = "istiod" } },
        Webhooks =
        [
            new V1ValidatingWebhook { Name = "rev.validation.istio.io", ClientConfig = Service("/validate", null), SideEffects = "None", AdmissionReviewVersions = ["v1"], FailurePolicy = "Ignore" },
        ],
    };
}
