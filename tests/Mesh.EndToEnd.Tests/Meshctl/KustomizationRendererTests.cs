using System.Text.Json.Nodes;
using Mesh.Meshctl.Cluster.Manifests;
using Mesh.Meshctl.Commands;

namespace Mesh.EndToEnd.Tests.Meshctl;

/// <summary>meshctl's kustomize subset on small kustomizations of the test's own, written to a temporary folder.</summary>
public sealed class KustomizationRendererTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("meshctl-kustomize-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Render_ResourcesGeneratorPatchAndImages_AppliesEachAsKustomize()
    {
        Write("base/kustomization.yaml", """
            resources:
            - app.yaml
            configMapGenerator:
            - name: dashboards
              namespace: apps
              files:
              - dash.json
              - renamed.json=other/file.json
              options:
                labels:
                  grafana_dashboard: "1"
                disableNameSuffixHash: true
            """);
        Write("base/app.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: apps
            spec:
              replicas: 1
              template:
                spec:
                  initContainers:
                  - name: init
                    image: mesh:dev
                  containers:
                  - name: web
                    image: registry.local:5000/mesh:dev
                  - name: app
                    image: mesh@sha256:abc
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              namespace: apps
            spec:
              ports:
              - port: 80
            """);
        Write("base/dash.json", "{\"a\": 1}\n");
        Write("base/other/file.json", "{}\n");
        Write("overlay/kustomization.yaml", """
            resources:
            - ../base
            patches:
            - path: replicas.yaml
            images:
            - name: mesh
              newName: example.com/mesh
              newTag: "1.0"
            """);
        Write("overlay/replicas.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              namespace: apps
            spec:
              replicas: 3
            """);

        var objects = new KustomizationRenderer(ManifestFiles.FromDirectory(_root)).Render("overlay");

        Assert.Equal(["Deployment/web", "Service/web", "ConfigMap/dashboards"], objects.Select(o => $"{o["kind"]}/{o["metadata"]!["name"]}"));
        var deployment = objects[0];
        Assert.Equal(3, deployment["spec"]!["replicas"]!.GetValue<long>());
        Assert.Equal("example.com/mesh:1.0", deployment["spec"]!["template"]!["spec"]!["initContainers"]![0]!["image"]!.ToString());
        // Only images named exactly "mesh" are renamed; a digest-only reference gets the tag.
        Assert.Equal("registry.local:5000/mesh:dev", deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]!.ToString());
        Assert.Equal("example.com/mesh:1.0", deployment["spec"]!["template"]!["spec"]!["containers"]![1]!["image"]!.ToString());
        var configMap = objects[2];
        Assert.Equal("{\"a\": 1}\n", configMap["data"]!["dash.json"]!.ToString());
        Assert.Equal("{}\n", configMap["data"]!["renamed.json"]!.ToString());
        Assert.Equal("1", configMap["metadata"]!["labels"]!["grafana_dashboard"]!.GetValue<string>());
        Assert.Equal("apps", configMap["metadata"]!["namespace"]!.ToString());
    }

    [Theory]
    [InlineData("namePrefix: x-\nresources: []", "field 'namePrefix' is not rendered by meshctl")]
    [InlineData("patches:\n- target: {kind: Service}\n  patch: '{}'", "patches: field 'target' is not rendered by meshctl")]
    [InlineData("configMapGenerator:\n- name: c\n  literals: [a=b]", "configMapGenerator: field 'literals' is not rendered by meshctl")]
    [InlineData("configMapGenerator:\n- name: c\n  files: [a]", "renders only options.disableNameSuffixHash: true")]
    [InlineData("images:\n- name: mesh\n  digest: sha256:1", "images: field 'digest' is not rendered by meshctl")]
    [InlineData("resources:\n- https://example.com/x.yaml", "is remote")]
    [InlineData("resources:\n- missing.yaml", "'missing.yaml' not found")]
    [InlineData("resources:\n- ../../outside", "leaves the manifests' folder")]
    public void Render_OutsideTheSubset_IsRefusedByName(string kustomization, string expected)
    {
        Write("k/kustomization.yaml", kustomization);

        var error = Assert.Throws<ManifestException>(() => new KustomizationRenderer(ManifestFiles.FromDirectory(_root)).Render("k"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_PatchWithoutTarget_SaysWhichObjectIsMissing()
    {
        Write("k/kustomization.yaml", "patches:\n- path: p.yaml\n");
        Write("k/p.yaml", "apiVersion: v1\nkind: Service\nmetadata:\n  name: nope\n  namespace: x\n");

        var error = Assert.Throws<ManifestException>(() => new KustomizationRenderer(ManifestFiles.FromDirectory(_root)).Render("k"));

        Assert.Contains("no object v1 Service x/nope to patch", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Write_StringsThatLookLikeOtherTypes_AreQuotedAndReadBackAsStrings()
    {
        var data = new JsonObject
        {
            ["off"] = "off", ["number"] = "100", ["bool"] = "true", ["empty"] = "", ["multi"] = "line one\nline two\n",
            ["int"] = 7, ["real"] = true, ["colon"] = "a: b", ["time"] = "1:20",
        };

        var yaml = YamlJson.Write([new JsonObject { ["data"] = data }]);
        var back = YamlJson.ParseDocuments(yaml, "test")[0];

        Assert.True(JsonNode.DeepEquals(data, back["data"]), yaml);
        Assert.Contains("\"off\": \"off\"", yaml, StringComparison.Ordinal);
        Assert.Contains("multi: |", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void DryRun_Image_ReplacesMeshImagesAndTheProxyImageArgument()
    {
        var output = new StringWriter();
        var errors = new StringWriter();

        var exit = InstallCommand.Render(new InstallRequest("minimal", null, "registry.example/mesh:1.2", TimeSpan.FromMinutes(1)), ManifestFiles.Embedded, output, errors);

        Assert.Equal(0, exit);
        var objects = YamlJson.ParseDocuments(output.ToString(), "dry-run");
        Assert.Equal("CustomResourceDefinition", objects[0]["kind"]!.ToString());
        var istiod = objects.Single(o => o["kind"]!.ToString() == "Deployment" && o["metadata"]!["name"]!.ToString() == "istiod");
        var container = istiod["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("registry.example/mesh:1.2", container["image"]!.ToString());
        var args = container["args"]!.AsArray().Select(a => a!.ToString()).ToList();
        Assert.Equal("registry.example/mesh:1.2", args[args.IndexOf("--proxy-image") + 1]);
        Assert.DoesNotContain("mesh:dev", output.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void DryRun_KindWithAnotherProfile_IsRefused()
    {
        var errors = new StringWriter();

        var exit = InstallCommand.Render(new InstallRequest("minimal", "kind", null, TimeSpan.FromMinutes(1)), ManifestFiles.Embedded, new StringWriter(), errors);

        Assert.Equal(1, exit);
        Assert.Contains("--platform kind installs the demo profile", errors.ToString(), StringComparison.Ordinal);
    }

    private void Write(string path, string text)
    {
        var full = Path.Combine(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }
}
