using System.Net;
using k8s;
using k8s.Models;
using Mesh.ControlPlane.Kubernetes;
using Mesh.ControlPlane.Webhooks;
using Mesh.Istio;
using Mesh.Kubernetes.Tests;
using Mesh.Kubernetes.TestServer;
using Mesh.Security;
using Microsoft.Extensions.Logging;

namespace Mesh.ControlPlane.Tests.Webhooks;

/// <summary>
/// kubectl, the test API server and the webhook listener together, as on a cluster: the ValidatingWebhookConfiguration
/// names the istiod Service, the control plane writes its CA bundle in, and kubectl apply of a bad VirtualService is
/// refused with meshctl validate's reason.
/// </summary>
public sealed class KubectlAdmissionTests : IAsyncLifetime
{
    private const string BadVirtualService = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: default
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination:
                host: reviews
              weight: 150
        """;

    private const string VirtualServiceWithoutEffect = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: ratings
          namespace: default
        spec:
          hosts: [ratings]
          tcp:
          - match:
            - sourceSubnet: 10.0.0.0/8
            route:
            - destination:
                host: ratings
        """;

    private readonly CertificateAuthority _authority = CertificateAuthority.CreateSelfSigned("cluster.local", TimeProvider.System, TimeSpan.FromDays(30));
    private static readonly Mesh.Injection.SidecarInjector DefaultInjector = new(new Mesh.Injection.InjectionSettings());
    private readonly LogCapture _logs = new();
    private readonly TempDirectory _dir = new();
    private WebhookServer _webhooks = null!;
    private TestApiServer _server = null!;
    private IKubernetes _client = null!;
    private ILoggerFactory _loggers = null!;
    private WebhookConfigurationPatcher _patcher = null!;
    private Kubectl _kubectl = null!;

    public async Task InitializeAsync()
    {
        _loggers = LoggerFactory.Create(logging => logging.AddProvider(_logs));
        _webhooks = WebhookServer.Create(new WebhookOptions { Port = 0 }, IPAddress.Loopback, _authority, "istio-system", "cluster.local",
            ConfigInputLimits.Default, () => DefaultInjector, TimeProvider.System,
            logging => logging.AddProvider(_logs));
        await _webhooks.StartAsync();
        // The API server reaches the istiod Service's 443 on our listener, and checks its certificate names istiod.istio-system.svc.
        _server = await TestApiServer.StartAsync(new TestApiServerOptions
        {
            ServiceUrls = new Dictionary<(string Namespace, string Name, int Port), Uri> { [("istio-system", "istiod", 443)] = new($"https://127.0.0.1:{_webhooks.Port}") },
        });
        _client = new k8s.Kubernetes(_server.ClientConfiguration());
        _kubectl = new Kubectl(_server.WriteKubeconfig(Path.Combine(_dir.Path, "kubeconfig")), Path.Combine(_dir.Path, "cache"));
        _patcher = WebhookConfigurationPatcher.Create(_client, new WebhookOptions(), new KubernetesOptions(),
            () => System.Text.Encoding.ASCII.GetBytes(_authority.Bundle.ToPem()), TimeProvider.System, _loggers,
            firstRetry: TimeSpan.FromMilliseconds(100), maxRetry: TimeSpan.FromSeconds(1));
    }

    public async Task DisposeAsync()
    {
        await _patcher.DisposeAsync();
        _client.Dispose();
        await _server.DisposeAsync();
        await _webhooks.DisposeAsync();
        _loggers.Dispose();
        _authority.Dispose();
        _dir.Dispose();
    }

    [SkippableFact]
    public async Task KubectlApply_BadVirtualService_RefusedWithTheFieldPathAndOneWithoutEffectWarned()
    {
        Kubectl.SkipUnlessInstalled();
        await _kubectl.SucceedAsync("apply", "-f", Path.Combine(RepositoryRoot(), "deploy", "crds", "istio-crds.yaml"));
        await _client.AdmissionregistrationV1.CreateValidatingWebhookConfigurationAsync(Validator());
        // The probe Gateway goes into the control plane's namespace, as on a cluster where istiod runs there.
        await _client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "istio-system" } });
        _patcher.Start();
        await Eventually.TrueAsync(async () => (await _client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("istio-validator-istio-system"))
            .Webhooks[0].ClientConfig.CaBundle is { Length: > 0 }, "the CA bundle in the validator");

        // The control plane's probe (a dry-run create of an invalid Gateway) reaches the webhook through the API server
        // and is denied, so validation fails closed from then on.
        try
        {
            await Eventually.TrueAsync(async () => (await _client.AdmissionregistrationV1.ReadValidatingWebhookConfigurationAsync("istio-validator-istio-system"))
                .Webhooks[0].FailurePolicy == "Fail", "failurePolicy Fail after the dry-run probe was denied");
        }
        catch (Xunit.Sdk.XunitException e)
        {
            throw new Xunit.Sdk.XunitException(e.Message + "\nLog:\n" + string.Join("\n", _logs.Lines.Select(l => $"[{l.EventId}] {l.Message}")));
        }
        Assert.Contains(_logs.Lines, l => l.EventId == 468 && l.Message.Contains("(denied the request)", StringComparison.Ordinal));

        var (exit, output, error) = await _kubectl.RunWithInputAsync(BadVirtualService, "apply", "-f", "-");

        Assert.True(exit != 0, $"kubectl apply of a bad VirtualService succeeded: {output}\nLog:\n" + string.Join("\n", _logs.Lines.Select(l => $"[{l.EventId}] {l.Message}")));
        Assert.Contains("admission webhook \"rev.validation.istio.io\" denied the request: configuration is invalid: "
            + "VirtualService default/reviews: spec.http[0].route[0].weight: ", error);
        await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() =>
            _client.CustomObjects.GetNamespacedCustomObjectAsync("networking.istio.io", "v1", "default", "virtualservices", "reviews"));

        var (applied, appliedOutput, warnings) = await _kubectl.RunWithInputAsync(VirtualServiceWithoutEffect, "apply", "-f", "-");

        Assert.True(applied == 0, warnings);
        Assert.Contains("virtualservice.networking.istio.io/ratings created", appliedOutput);
        // Answered with its warnings (the test API server does not pass them on as Warning headers, which kubectl would print).
        Assert.Contains(_logs.Lines, l => l.EventId == 462 && l.Message.Contains("VirtualService default/ratings", StringComparison.Ordinal));
    }

    /// <summary>Istio's validating webhook registration, pointed at the istiod Service (path /validate, port 443), without a caBundle yet.</summary>
    private static V1ValidatingWebhookConfiguration Validator() => new()
    {
        Metadata = new V1ObjectMeta { Name = "istio-validator-istio-system", Labels = new Dictionary<string, string> { ["istio.io/rev"] = "default" } },
        Webhooks =
        [
            new V1ValidatingWebhook
            {
                Name = "rev.validation.istio.io",
                ClientConfig = new Admissionregistrationv1WebhookClientConfig
                {
                    Service = new Admissionregistrationv1ServiceReference { Name = "istiod", NamespaceProperty = "istio-system", Path = "/validate", Port = 443 },
                },
                Rules = [new V1RuleWithOperations { Operations = ["CREATE", "UPDATE"], ApiGroups = ["security.istio.io", "networking.istio.io"], ApiVersions = ["*"], Resources = ["*"] }],
                FailurePolicy = "Ignore",
                SideEffects = "None",
                AdmissionReviewVersions = ["v1"],
            },
        ],
    };

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Mesh.sln"))) directory = directory.Parent;
        return directory?.FullName ?? throw new InvalidOperationException("no Mesh.sln above " + AppContext.BaseDirectory);
    }
}
