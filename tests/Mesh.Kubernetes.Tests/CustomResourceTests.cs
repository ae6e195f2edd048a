using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;

namespace Mesh.Kubernetes.Tests;

/// <summary>A CRD, once created, serves its kind at every listed version from one storage, to kubectl and KubernetesClient.</summary>
public sealed class CustomResourceTests
{
    private const string Crd = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata:
          name: virtualservices.networking.istio.io
        spec:
          group: networking.istio.io
          names:
            kind: VirtualService
            listKind: VirtualServiceList
            plural: virtualservices
            singular: virtualservice
            shortNames: [vs]
            categories: [istio-io, networking-istio-io]
          scope: Namespaced
          versions:
          - name: v1alpha3
            served: true
            storage: false
            schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
            subresources: {status: {}}
          - name: v1beta1
            served: true
            storage: false
            schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
            subresources: {status: {}}
          - name: v1
            served: true
            storage: true
            schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
            subresources: {status: {}}
        """;

    private const string VirtualService = """
        apiVersion: networking.istio.io/v1beta1
        kind: VirtualService
        metadata:
          name: reviews
          namespace: default
        spec:
          hosts: [reviews]
          http:
          - route:
            - destination: {host: reviews, subset: v1}
        """;

    [SkippableFact]
    public async Task Kubectl_AppliesCrdThenResource_ReadsItAtEveryVersion()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();

        await fixture.Kubectl.SucceedWithInputAsync(Crd, "apply", "-f", "-");
        var applied = await fixture.Kubectl.SucceedWithInputAsync(VirtualService, "apply", "-f", "-");
        var asV1 = await fixture.Kubectl.SucceedAsync("get", "virtualservices.v1.networking.istio.io", "reviews", "-o", "json");
        var asAlpha = await fixture.Kubectl.SucceedAsync("get", "virtualservices.v1alpha3.networking.istio.io", "reviews", "-o", "json");
        var byShortName = await fixture.Kubectl.SucceedAsync("get", "vs", "-o", "name");

        Assert.Contains("virtualservice.networking.istio.io/reviews created", applied);
        Assert.Equal("networking.istio.io/v1", JsonDocument.Parse(asV1).RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("networking.istio.io/v1alpha3", JsonDocument.Parse(asAlpha).RootElement.GetProperty("apiVersion").GetString());
        Assert.Equal("reviews", JsonDocument.Parse(asAlpha).RootElement.GetProperty("spec").GetProperty("hosts")[0].GetString());
        Assert.Equal("virtualservice.networking.istio.io/reviews", byShortName.Trim());
    }

    [SkippableFact]
    public async Task Kubectl_DeletesCrd_ResourceNoLongerServed()
    {
        Kubectl.SkipUnlessInstalled();
        await using var fixture = await ServerFixture.StartAsync();
        await fixture.Kubectl.SucceedWithInputAsync(Crd, "apply", "-f", "-");
        await fixture.Kubectl.SucceedWithInputAsync(VirtualService, "apply", "-f", "-");

        await fixture.Kubectl.SucceedAsync("delete", "crd", "virtualservices.networking.istio.io");

        var error = await Assert.ThrowsAsync<HttpOperationException>(() =>
            fixture.Client.CustomObjects.ListNamespacedCustomObjectAsync("networking.istio.io", "v1", "default", "virtualservices"));
        Assert.Equal(HttpStatusCode.NotFound, error.Response.StatusCode);
    }

    [Fact]
    public async Task Client_CreatesCrdAndResource_CrdIsEstablishedAndResourceListedAtOtherVersion()
    {
        await using var fixture = await ServerFixture.StartAsync();
        var crd = KubernetesYaml.Deserialize<k8s.Models.V1CustomResourceDefinition>(Crd);
        var created = await fixture.Client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(crd);
        var body = JsonSerializer.Deserialize<JsonElement>(JsonSerializer.Serialize(KubernetesYaml.Deserialize<object>(VirtualService)));

        await fixture.Client.CustomObjects.CreateNamespacedCustomObjectAsync(body, "networking.istio.io", "v1beta1", "default", "virtualservices");
        var list = (JsonElement)await fixture.Client.CustomObjects.ListNamespacedCustomObjectAsync("networking.istio.io", "v1alpha3", "default", "virtualservices");

        Assert.Contains(created.Status.Conditions, c => c.Type == "Established" && c.Status == "True");
        Assert.Equal(["v1"], created.Status.StoredVersions);
        var item = Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal("networking.istio.io/v1alpha3", item.GetProperty("apiVersion").GetString());
        Assert.Equal("VirtualServiceList", list.GetProperty("kind").GetString());
    }
    /// <summary>The repository's own Istio CRDs (deploy/crds), as a user installs them, then an Istio user's YAML at an older version.</summary>
    [SkippableFact]
    public async Task Kubectl_AppliesRepositoryIstioCrds_ServesEveryVersion()
    {
        Kubectl.SkipUnlessInstalled();
        var crds = RepositoryFile("deploy/crds/istio-crds.yaml");
        Skip.If(crds is null, "deploy/crds/istio-crds.yaml is not in this checkout.");
        await using var fixture = await ServerFixture.StartAsync();

        await fixture.Kubectl.SucceedAsync("apply", "-f", crds!);
        await fixture.Kubectl.SucceedWithInputAsync(VirtualService.Replace("v1beta1", "v1alpha3"), "apply", "-f", "-");
        var asV1 = await fixture.Kubectl.SucceedAsync("get", "virtualservices.v1.networking.istio.io", "reviews", "-o", "json");
        var groups = await fixture.Kubectl.SucceedAsync("api-versions");

        Assert.Equal("networking.istio.io/v1", JsonDocument.Parse(asV1).RootElement.GetProperty("apiVersion").GetString());
        Assert.Contains("networking.istio.io/v1alpha3", groups);
        Assert.Contains("security.istio.io/v1beta1", groups);
    }

    private static string? RepositoryFile(string relative)
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Mesh.sln")))
            {
                var path = Path.Combine(directory.FullName, relative);
                return File.Exists(path) ? path : null;
            }
        }
        return null;
    }
}
