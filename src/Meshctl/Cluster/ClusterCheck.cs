using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Mesh.Meshctl.Cluster;

/// <summary>
/// `meshctl check`, as `linkerd check`: before install (--pre) whether the cluster can take the mesh, after install
/// whether the mesh works. One ✔ or ✘ line per check, with a hint under each failure.
/// </summary>
internal sealed class ClusterCheck(KubeApi api, StepWriter writer)
{
    public const string SystemNamespace = "istio-system";
    public const string InjectorWebhook = "istio-sidecar-injector";
    public const string ValidatorWebhook = "istio-validator-istio-system";
    private const int MinimumMinor = 28;
    private const int NativeSidecarMinor = 29;

    // The control plane publishes the root everywhere but in these (docs/kubernetes.md, "The root in every namespace").
    private static readonly HashSet<string> RootlessNamespaces = ["kube-public", "kube-node-lease", "local-path-storage"];
    private bool _failed;

    /// <summary>0 when every check passed (warnings allowed), 1 otherwise.</summary>
    public async Task<int> RunPreAsync(IReadOnlyList<JsonObject> manifests, CancellationToken cancellationToken)
    {
        if (await VersionAsync(cancellationToken) is { } minor)
        {
            if (minor >= NativeSidecarMinor)
            {
                writer.Ok("native sidecars are supported (Kubernetes 1.29+)");
            }
            else
            {
                writer.Warn("native sidecars need Kubernetes 1.29: injection falls back to classic sidecars");
            }

            await PermissionsAsync(manifests, cancellationToken);
        }

        return _failed ? 1 : 0;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        if (await VersionAsync(cancellationToken) is null)
        {
            return 1;
        }

        await ControlPlaneAsync(cancellationToken);
        var roots = await RootCertificatesAsync(cancellationToken);
        await WebhookBundleAsync("mutatingwebhookconfigurations", InjectorWebhook, roots, cancellationToken);
        await WebhookBundleAsync("validatingwebhookconfigurations", ValidatorWebhook, roots, cancellationToken);
        await ValidationAnswersAsync(cancellationToken);
        await RootEverywhereAsync(cancellationToken);
        await ProxiesSyncedAsync(cancellationToken);
        return _failed ? 1 : 0;
    }

    private void Fail(string text, string hint)
    {
        writer.Fail(text, hint);
        _failed = true;
    }

    /// <summary>The server's minor version, after its line; null (and a failure) when unreachable or too old.</summary>
    private async Task<int?> VersionAsync(CancellationToken cancellationToken)
    {
        ApiResponse response;
        try
        {
            response = await api.GetAsync("/version", cancellationToken);
        }
        catch (HttpRequestException e)
        {
            Fail($"cannot reach the Kubernetes API at {api.BaseUri}: {e.Message}", "check --kubeconfig and --context, and that the cluster is running");
            return null;
        }

        if (!response.Ok)
        {
            Fail($"the Kubernetes API at {api.BaseUri} refused /version: {response.Message}", "check the kubeconfig's credentials");
            return null;
        }

        var gitVersion = response.Body?["gitVersion"]?.ToString() ?? "";
        var minorText = new string((response.Body?["minor"]?.ToString() ?? "").TakeWhile(char.IsAsciiDigit).ToArray());
        if (response.Body?["major"]?.ToString() != "1" || !int.TryParse(minorText, out var minor))
        {
            Fail($"cannot read the Kubernetes version ({gitVersion})", "the API server's /version must name major and minor");
            return null;
        }

        if (minor < MinimumMinor)
        {
            Fail($"Kubernetes {gitVersion} is older than 1.{MinimumMinor}", $"upgrade the cluster to 1.{MinimumMinor} or newer");
            return null;
        }

        writer.Ok($"Kubernetes {gitVersion} (1.{MinimumMinor} or newer)");
        return minor;
    }

    private async Task PermissionsAsync(IReadOnlyList<JsonObject> manifests, CancellationToken cancellationToken)
    {
        foreach (var answer in await CreatePermissions.ReviewAsync(api, manifests, cancellationToken))
        {
            if (answer.Allowed)
            {
                writer.Ok(answer.Text);
            }
            else
            {
                Fail(answer.Text, answer.Hint!);
            }
        }
    }

    private async Task ControlPlaneAsync(CancellationToken cancellationToken)
    {
        var response = await api.GetAsync($"/apis/apps/v1/namespaces/{SystemNamespace}/deployments/istiod", cancellationToken);
        if (response.NotFound)
        {
            Fail($"no control plane: deployment {SystemNamespace}/istiod not found", "meshctl install");
            return;
        }

        var deployment = (JsonObject)response.EnsureOk("get the control plane deployment");
        var available = deployment["status"]?["availableReplicas"]?.GetValue<long>() ?? 0;
        if (DeploymentRollout.Status(deployment) is { } waiting || available < 1)
        {
            Fail($"control plane deployment {SystemNamespace}/istiod is not available: {DeploymentRollout.Status(deployment) ?? "no available replica"}",
                $"conditions: {DeploymentRollout.Conditions(deployment)}; kubectl -n {SystemNamespace} describe deployment istiod");
            return;
        }

        writer.Ok($"control plane deployment {SystemNamespace}/istiod is available ({available} replicas)");
    }

    private async Task<HashSet<string>?> RootCertificatesAsync(CancellationToken cancellationToken)
    {
        var response = await api.GetAsync($"/api/v1/namespaces/{SystemNamespace}/configmaps/{Uninstaller.RootCertConfigMap}", cancellationToken);
        var pem = response.Ok ? response.Body?["data"]?["root-cert.pem"]?.ToString() : null;
        if (pem is null || Fingerprints(pem) is not { Count: > 0 } roots)
        {
            Fail($"configmap {SystemNamespace}/{Uninstaller.RootCertConfigMap} has no root certificate ({(response.Ok ? "no root-cert.pem" : response.Message)})",
                "the control plane publishes it once its CA is up: kubectl -n istio-system logs deploy/istiod");
            return null;
        }

        return roots;
    }

    private async Task WebhookBundleAsync(string resource, string name, HashSet<string>? roots, CancellationToken cancellationToken)
    {
        var kind = resource.TrimEnd('s');
        var response = await api.GetAsync($"/apis/admissionregistration.k8s.io/v1/{resource}/{name}", cancellationToken);
        if (response.NotFound)
        {
            Fail($"{kind} {name} not found", "meshctl install");
            return;
        }

        var configuration = response.EnsureOk($"get {kind} {name}");
        foreach (var webhook in configuration["webhooks"] as JsonArray ?? [])
        {
            var webhookName = webhook?["name"]?.ToString();
            var bundle = webhook?["clientConfig"]?["caBundle"]?.ToString();
            HashSet<string>? certificates = null;
            try
            {
                certificates = string.IsNullOrEmpty(bundle) ? null : Fingerprints(Encoding.ASCII.GetString(Convert.FromBase64String(bundle)));
            }
            catch (FormatException)
            {
            }

            if (certificates is not { Count: > 0 })
            {
                Fail($"{kind} {name}: webhook {webhookName} has {(string.IsNullOrEmpty(bundle) ? "no caBundle" : "a caBundle that is not a PEM certificate")}",
                    "the control plane writes it when it starts: is istiod running? kubectl -n istio-system logs deploy/istiod");
                return;
            }

            if (roots is not null && !certificates.SetEquals(roots))
            {
                Fail($"{kind} {name}: webhook {webhookName}'s caBundle is not the mesh's root certificate",
                    $"the API server will refuse the control plane's certificate; restart istiod so it writes the bundle again");
                return;
            }
        }

        writer.Ok($"{kind} {name} has the mesh's root as caBundle");
    }

    private async Task ValidationAnswersAsync(CancellationToken cancellationToken)
    {
        // A Gateway no server of which has hosts: validation must refuse it. dryRun=All stores nothing.
        var gateway = new JsonObject
        {
            ["apiVersion"] = "networking.istio.io/v1",
            ["kind"] = "Gateway",
            ["metadata"] = new JsonObject { ["name"] = "meshctl-check-invalid-gateway", ["namespace"] = SystemNamespace },
            ["spec"] = new JsonObject
            {
                ["servers"] = new JsonArray(new JsonObject
                {
                    ["port"] = new JsonObject { ["number"] = 80, ["name"] = "http", ["protocol"] = "HTTP" },
                    ["hosts"] = new JsonArray(),
                }),
            },
        };
        var response = await api.SendAsync(HttpMethod.Post, $"/apis/networking.istio.io/v1/namespaces/{SystemNamespace}/gateways?dryRun=All", gateway, cancellationToken: cancellationToken);
        if (!response.Ok && response.Message.Contains("denied the request", StringComparison.Ordinal))
        {
            writer.Ok("the validating webhook answers (it denied an invalid Gateway)");
        }
        else if (response.Ok)
        {
            Fail("the validating webhook did not refuse an invalid Gateway",
                $"is it reachable from the API server? kubectl get validatingwebhookconfiguration {ValidatorWebhook} -o yaml; kubectl -n istio-system get endpointslices -l kubernetes.io/service-name=istiod");
        }
        else
        {
            Fail($"the validating webhook could not be checked: {response.Message}",
                response.Status != HttpStatusCode.NotFound ? "kubectl -n istio-system logs deploy/istiod"
                // A 404 names what is missing: the namespace (uninstalled) or the Gateway kind (no CRDs).
                : response.Message.Contains("namespaces \"", StringComparison.Ordinal) ? $"the {SystemNamespace} namespace does not exist: meshctl install"
                : "the Istio CRDs are not installed: meshctl install");
        }
    }

    private async Task RootEverywhereAsync(CancellationToken cancellationToken)
    {
        var client = new ResourceClient(api);
        var withRoot = new HashSet<string>();
        foreach (var configMap in await client.ListAsync($"/api/v1/configmaps?fieldSelector=metadata.name%3D{Uninstaller.RootCertConfigMap}", cancellationToken))
        {
            withRoot.Add(configMap?["metadata"]?["namespace"]?.ToString() ?? "");
        }

        var missing = new List<string>();
        var count = 0;
        foreach (var ns in await client.ListAsync("/api/v1/namespaces", cancellationToken))
        {
            var name = ns?["metadata"]?["name"]?.ToString() ?? "";
            if (RootlessNamespaces.Contains(name) || ns?["metadata"]?["deletionTimestamp"] is not null)
            {
                continue;
            }

            count++;
            if (!withRoot.Contains(name))
            {
                missing.Add(name);
            }
        }

        if (missing.Count == 0)
        {
            writer.Ok($"configmap {Uninstaller.RootCertConfigMap} is in every namespace ({count})");
        }
        else
        {
            Fail($"configmap {Uninstaller.RootCertConfigMap} is missing in {string.Join(", ", missing)}",
                "the control plane writes it into every namespace: kubectl -n istio-system logs deploy/istiod");
        }
    }

    private async Task ProxiesSyncedAsync(CancellationToken cancellationToken)
    {
        string syncz;
        try
        {
            var pod = await new PodLocator(api).FindAsync(SystemNamespace, "app=istiod", cancellationToken);
            using var http = new PortForwarder(api, SystemNamespace, pod["metadata"]!["name"]!.ToString(), 15014).CreateHttpClient(TimeSpan.FromSeconds(10));
            syncz = await http.GetStringAsync("/debug/syncz", cancellationToken);
        }
        catch (Exception e) when (e is ClusterException or HttpRequestException or IOException or System.Net.WebSockets.WebSocketException or k8s.Autorest.HttpOperationException or TaskCanceledException)
        {
            Fail($"cannot read the proxies' sync status from the control plane: {ErrorText.Of(e)}", "kubectl -n istio-system port-forward deploy/istiod 15014 and open /debug/syncz");
            return;
        }

        var stale = new List<string>();
        var count = 0;
        foreach (var proxy in JsonNode.Parse(syncz) as JsonArray ?? [])
        {
            count++;
            var status = proxy?["status"]?.ToString();
            if (status != "SYNCED")
            {
                stale.Add($"{proxy?["id"]} ({status})");
            }
        }

        if (stale.Count == 0)
        {
            writer.Ok(count == 0 ? "no proxies connected yet" : $"all {count} proxies are SYNCED");
        }
        else
        {
            Fail($"proxies not SYNCED: {string.Join(", ", stale)}", "meshctl proxy-status shows each type and the reason of a NACK");
        }
    }

    private static HashSet<string> Fingerprints(string pem)
    {
        var fingerprints = new HashSet<string>();
        var collection = new X509Certificate2Collection();
        try
        {
            collection.ImportFromPem(pem);
        }
        catch (CryptographicException)
        {
            return fingerprints;
        }

        foreach (var certificate in collection)
        {
            fingerprints.Add(certificate.GetCertHashString(HashAlgorithmName.SHA256));
            certificate.Dispose();
        }

        return fingerprints;
    }
}
