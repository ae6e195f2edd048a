using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Mesh.Kubernetes.Tests;

/// <summary>KubernetesClient 21 against the test API server: the calls the mesh's informers and writers make.</summary>
public sealed class ClientTests
{
    private static V1ConfigMap ConfigMap(string name, string? app = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = app is null ? null : new Dictionary<string, string> { ["app"] = app } },
        Data = new Dictionary<string, string> { ["k"] = "v" },
    };

    [Fact]
    public async Task Create_ThenGet_ReturnsServerFilledMetadata()
    {
        await using var fixture = await ServerFixture.StartAsync();

        var created = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        var fetched = await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("a", "default");

        Assert.Equal("default", fetched.Metadata.NamespaceProperty);
        Assert.False(string.IsNullOrEmpty(fetched.Metadata.Uid));
        Assert.NotNull(fetched.Metadata.CreationTimestamp);
        Assert.Equal(created.Metadata.ResourceVersion, fetched.Metadata.ResourceVersion);
        Assert.Equal("v", fetched.Data["k"]);
    }

    [Fact]
    public async Task Create_WithGenerateName_GetsUniqueName()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var template = new V1ConfigMap { Metadata = new V1ObjectMeta { GenerateName = "gen-" } };

        var first = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(template, "default");
        var second = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(template, "default");

        Assert.StartsWith("gen-", first.Metadata.Name);
        Assert.Equal("gen-".Length + 5, first.Metadata.Name.Length);
        Assert.NotEqual(first.Metadata.Name, second.Metadata.Name);
    }

    [Fact]
    public async Task List_WithLabelAndFieldSelectors_ReturnsOnlyMatches()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "web"), "default");
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b", "db"), "default");
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c"), "default");

        var web = await fixture.Client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "app=web");
        var labelled = await fixture.Client.CoreV1.ListNamespacedConfigMapAsync("default", labelSelector: "app in (web,db),app!=db");
        var unlabelled = await fixture.Client.CoreV1.ListConfigMapForAllNamespacesAsync(labelSelector: "!app");
        var byName = await fixture.Client.CoreV1.ListNamespacedConfigMapAsync("default", fieldSelector: "metadata.name=b");

        Assert.Equal(["a"], web.Items.Select(i => i.Metadata.Name));
        Assert.Equal(["a"], labelled.Items.Select(i => i.Metadata.Name));
        Assert.Equal(["c"], unlabelled.Items.Select(i => i.Metadata.Name));
        Assert.Equal(["b"], byName.Items.Select(i => i.Metadata.Name));
        Assert.False(string.IsNullOrEmpty(web.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task Create_InMissingNamespace_IsNotFound()
    {
        await using var fixture = await ServerFixture.StartAsync();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "absent"));

        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
        Assert.Contains("namespaces \\\"absent\\\" not found", error.Response.Content);
    }

    [Fact]
    public async Task Replace_WithStaleResourceVersion_IsConflict()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var created = await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");
        created.Data["k"] = "second";
        await fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default");

        created.Data["k"] = "stale";
        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(created, "a", "default"));

        Assert.Equal(HttpStatusCode.Conflict, error.Response.StatusCode);
        Assert.Contains("the object has been modified", error.Response.Content);
        Assert.Equal("second", (await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("a", "default")).Data["k"]);
    }

    [Fact]
    public async Task DeleteNamespace_DeletesItsObjects()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } });
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "team");
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a"), "default");

        await fixture.Client.CoreV1.DeleteNamespaceAsync("team");

        Assert.Empty((await fixture.Client.CoreV1.ListConfigMapForAllNamespacesAsync(fieldSelector: "metadata.namespace=team")).Items);
        Assert.Single((await fixture.Client.CoreV1.ListNamespacedConfigMapAsync("default")).Items);
    }

    [Fact]
    public async Task Request_WithUnknownToken_IsUnauthorized()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var client = new k8s.Kubernetes(fixture.Server.ClientConfiguration("not-a-token"));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespaceAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, error.Response.StatusCode);
    }

    [Fact]
    public async Task Request_WithServiceAccountToken_IsForbidden()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var token = fixture.Server.IssueServiceAccountToken("default", "app", ["api"], TimeSpan.FromHours(1));
        using var client = new k8s.Kubernetes(fixture.Server.ClientConfiguration(token));

        var error = await Assert.ThrowsAsync<HttpOperationException>(() => client.CoreV1.ListNamespacedPodAsync("default"));

        Assert.Equal(HttpStatusCode.Forbidden, error.Response.StatusCode);
        Assert.Contains("pods is forbidden: User \\\"system:serviceaccount:default:app\\\" cannot list resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"default\\\"",
            error.Response.Content);
    }

    [Fact]
    public async Task PodStatus_ReplacedThroughSubresource_MainUpdateKeepsIt()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var pod = await fixture.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "app", Image = "app" }] },
        }, "default");
        Assert.Equal("Pending", pod.Status.Phase);
        Assert.Equal("default", pod.Spec.ServiceAccountName);

        pod.Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = "10.1.2.3",
            Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }],
        };
        var withStatus = await fixture.Client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "p", "default");
        withStatus.Status.PodIP = "10.9.9.9";
        withStatus.Metadata.Labels = new Dictionary<string, string> { ["app"] = "web" };
        var relabelled = await fixture.Client.CoreV1.ReplaceNamespacedPodAsync(withStatus, "p", "default");

        Assert.Equal("10.1.2.3", relabelled.Status.PodIP);
        Assert.Equal("Running", relabelled.Status.Phase);
        Assert.Equal("web", relabelled.Metadata.Labels["app"]);
    }

    [Fact]
    public async Task Service_OnCreate_GetsClusterIpAndPortDefaults()
    {
        await using var fixture = await ServerFixture.StartAsync();

        var service = await fixture.Client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }] },
        }, "default");

        Assert.Equal("ClusterIP", service.Spec.Type);
        Assert.Matches(@"^10\.96\.\d+\.\d+$", service.Spec.ClusterIP);
        Assert.Equal("TCP", service.Spec.Ports[0].Protocol);
        Assert.Equal("80", service.Spec.Ports[0].TargetPort.Value);
    }

    [Fact]
    public async Task Events_CreatedThroughApi_AreRecorded()
    {
        await using var fixture = await ServerFixture.StartAsync();

        await fixture.Client.CoreV1.CreateNamespacedEventAsync(new Corev1Event
        {
            Metadata = new V1ObjectMeta { Name = "vs.1" },
            InvolvedObject = new V1ObjectReference { Kind = "VirtualService", Name = "vs", NamespaceProperty = "default", ApiVersion = "networking.istio.io/v1" },
            Reason = "Invalid",
            Message = "route has no destination",
            Type = "Warning",
            Source = new V1EventSource { Component = "istiod" },
        }, "default");

        var recorded = Assert.Single(fixture.Server.Events);
        Assert.Equal(("VirtualService", "vs", "Warning", "Invalid", "route has no destination", "istiod"),
            (recorded.InvolvedKind, recorded.InvolvedName, recorded.Type, recorded.Reason, recorded.Message, recorded.ReportingComponent));
    }

    [Fact]
    public async Task HttpVersion_ClientNegotiatesHttp2()
    {
        await using var fixture = await ServerFixture.StartAsync();
        using var handler = new HttpClientHandler();
        handler.ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            certificate is not null && certificate.Issuer.Contains("mesh-test-apiserver-ca", StringComparison.Ordinal);
        using var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        http.DefaultRequestHeaders.Authorization = new("Bearer", fixture.Server.AdminToken);

        using var response = await http.GetAsync(new Uri(fixture.Server.Url, "/version"));

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Equal("v1.31.0", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("gitVersion").GetString());
    }
    [Fact]
    public async Task Delete_WithFinalizer_StaysUntilLastFinalizerRemoved()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var map = new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/hold"] } };
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(map, "default");

        await fixture.Client.CoreV1.DeleteNamespacedConfigMapAsync("held", "default");
        var pending = await fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("held", "default");
        pending.Metadata.Finalizers = [];
        await fixture.Client.CoreV1.ReplaceNamespacedConfigMapAsync(pending, "held", "default");

        Assert.NotNull(pending.Metadata.DeletionTimestamp);
        var error = await Assert.ThrowsAsync<HttpOperationException>(() => fixture.Client.CoreV1.ReadNamespacedConfigMapAsync("held", "default"));
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    [Fact]
    public async Task DeleteCollection_WithLabelSelector_DeletesOnlyMatches()
    {
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("a", "web"), "default");
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("b", "web"), "default");
        await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("c", "db"), "default");

        await fixture.Client.CoreV1.DeleteCollectionNamespacedConfigMapAsync("default", labelSelector: "app=web");

        Assert.Equal(["c"], (await fixture.Client.CoreV1.ListNamespacedConfigMapAsync("default")).Items.Select(i => i.Metadata.Name));
    }

    [Fact]
    public async Task List_WithLimit_PagesThroughContinue()
    {
        await using var fixture = await ServerFixture.StartAsync();
        foreach (var name in new[] { "a", "b", "c" })
        {
            await fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name), "default");
        }

        var first = await fixture.Client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 2);
        var rest = await fixture.Client.CoreV1.ListNamespacedConfigMapAsync("default", limit: 2, continueParameter: first.Metadata.ContinueProperty);

        Assert.Equal(["a", "b"], first.Items.Select(i => i.Metadata.Name));
        Assert.Equal(1, first.Metadata.RemainingItemCount);
        Assert.Equal(["c"], rest.Items.Select(i => i.Metadata.Name));
        Assert.Null(rest.Metadata.ContinueProperty);
    }

    [Fact]
    public async Task Lease_CreateThenRenew_AsLeaderElectionDoes()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var lease = await fixture.Client.CoordinationV1.CreateNamespacedLeaseAsync(new V1Lease
        {
            Metadata = new V1ObjectMeta { Name = "istio-leader" },
            Spec = new V1LeaseSpec { HolderIdentity = "istiod-1", LeaseDurationSeconds = 30 },
        }, "default");

        lease.Spec.RenewTime = DateTime.UtcNow;
        var renewed = await fixture.Client.CoordinationV1.ReplaceNamespacedLeaseAsync(lease, "istio-leader", "default");

        Assert.Equal("istiod-1", renewed.Spec.HolderIdentity);
        Assert.NotEqual(lease.Metadata.ResourceVersion, renewed.Metadata.ResourceVersion);
    }
    [Fact]
    public async Task Create_WithInvalidName_IsInvalidWithFieldPath()
    {
        await using var fixture = await ServerFixture.StartAsync();

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("Not_Valid"), "default"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, error.Response.StatusCode);
        Assert.Contains("ConfigMap \\\"Not_Valid\\\" is invalid: metadata.name: Invalid value", error.Response.Content);
    }
    [Fact]
    public async Task Kubeconfig_LoadedByClient_ReachesServerOverTls()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(fixture.Kubeconfig);
        using var client = new k8s.Kubernetes(configuration);

        var namespaces = await client.CoreV1.ListNamespaceAsync();

        Assert.Equal("default", configuration.Namespace);
        Assert.Contains(namespaces.Items, n => n.Metadata.Name == "kube-system");
    }
}
