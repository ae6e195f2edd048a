using System.Text.Json.Nodes;

namespace Mesh.Meshctl.Cluster.Manifests;

/// <summary>
/// Renders a kustomization the way `kubectl kustomize` does, for the subset `deploy/` is written in: `resources`
/// (files, or folders holding a kustomization.yaml), `configMapGenerator` (files, labels, no name hash), `patches` by
/// `path` (matched by the patch's apiVersion, kind, name and namespace, applied as a JSON merge patch: deploy's patches
/// write whole lists, so a strategic merge gives the same) and `images`. Any other field is refused by name, so a
/// manifest never renders differently here than under kubectl.
/// </summary>
internal sealed class KustomizationRenderer(ManifestFiles files)
{
    private const string FileName = "kustomization.yaml";
    private static readonly HashSet<string> Fields = ["apiVersion", "kind", "resources", "configMapGenerator", "patches", "images"];
    private static readonly HashSet<string> GeneratorFields = ["name", "namespace", "files", "options"];
    private static readonly HashSet<string> GeneratorOptions = ["labels", "disableNameSuffixHash"];
    private static readonly HashSet<string> ImageFields = ["name", "newName", "newTag"];

    /// <summary>The objects of the kustomization in `directory`, in kustomize's accumulation order.</summary>
    public List<JsonObject> Render(string directory) => Render(ManifestFiles.Combine("", directory), []);

    private List<JsonObject> Render(string directory, HashSet<string> visiting)
    {
        var path = ManifestFiles.Combine(directory, FileName);
        if (!visiting.Add(directory))
        {
            throw new ManifestException($"{path}: includes itself through its resources");
        }

        var text = files.Read(path) ?? throw new ManifestException($"{directory}: no {FileName}");
        var documents = YamlJson.ParseDocuments(text, path);
        var kustomization = documents.Count == 1 && documents[0] is JsonObject o ? o : throw new ManifestException($"{path}: not one YAML mapping");
        foreach (var (field, _) in kustomization)
        {
            if (!Fields.Contains(field))
            {
                throw new ManifestException($"{path}: field '{field}' is not rendered by meshctl (it renders resources, configMapGenerator, patches with path, and images)");
            }
        }

        if (kustomization["kind"] is { } kind && kind.GetValue<string>() != "Kustomization")
        {
            throw new ManifestException($"{path}: kind must be Kustomization");
        }

        var objects = new List<JsonObject>();
        foreach (var reference in Strings(kustomization["resources"], path, "resources"))
        {
            if (reference.Contains("://", StringComparison.Ordinal))
            {
                throw new ManifestException($"{path}: resources: '{reference}' is remote; meshctl renders local files only");
            }

            var resource = ManifestFiles.Combine(directory, reference);
            if (files.IsDirectory(resource))
            {
                Add(objects, Render(resource, visiting), path);
            }
            else
            {
                Add(objects, Objects(files.Read(resource) ?? throw new ManifestException($"{path}: resources: '{reference}' not found"), resource), path);
            }
        }

        foreach (var generator in Items(kustomization["configMapGenerator"], path, "configMapGenerator"))
        {
            Add(objects, [GenerateConfigMap(generator, directory, path)], path);
        }

        foreach (var patch in Items(kustomization["patches"], path, "patches"))
        {
            ApplyPatch(objects, patch, directory, path);
        }

        foreach (var image in Items(kustomization["images"], path, "images"))
        {
            RequireFields(image, ImageFields, path, "images");
            var name = Required(image, "name", path, "images");
            ImageReferences.Replace(objects, name, (string?)image["newName"], image["newTag"]?.ToString());
        }

        visiting.Remove(directory);
        return objects;
    }

    private static List<JsonObject> Objects(string yaml, string source)
    {
        var objects = new List<JsonObject>();
        foreach (var document in YamlJson.ParseDocuments(yaml, source))
        {
            var item = document as JsonObject ?? throw new ManifestException($"{source}: a document is not a Kubernetes object");
            if (item["apiVersion"] is null || item["kind"] is null || item["metadata"]?["name"] is null)
            {
                throw new ManifestException($"{source}: every object needs apiVersion, kind and metadata.name");
            }

            objects.Add(item);
        }

        return objects;
    }

    private static void Add(List<JsonObject> objects, List<JsonObject> added, string path)
    {
        foreach (var item in added)
        {
            var id = ObjectId.Of(item);
            foreach (var existing in objects)
            {
                if (ObjectId.Of(existing) == id)
                {
                    throw new ManifestException($"{path}: {id} is defined twice");
                }
            }

            objects.Add(item);
        }
    }

    private JsonObject GenerateConfigMap(JsonObject generator, string directory, string path)
    {
        RequireFields(generator, GeneratorFields, path, "configMapGenerator");
        var name = Required(generator, "name", path, "configMapGenerator");
        var options = generator["options"] as JsonObject ?? [];
        RequireFields(options, GeneratorOptions, path, "configMapGenerator options");
        if (options["disableNameSuffixHash"]?.GetValue<bool>() != true)
        {
            throw new ManifestException($"{path}: configMapGenerator '{name}': meshctl renders only options.disableNameSuffixHash: true");
        }

        var data = new JsonObject();
        foreach (var entry in Strings(generator["files"], path, "configMapGenerator files"))
        {
            // "key=path" names the key; a bare path is keyed by its file name.
            var equals = entry.IndexOf('=');
            var file = equals < 0 ? entry : entry[(equals + 1)..];
            var key = equals < 0 ? file[(file.LastIndexOf('/') + 1)..] : entry[..equals];
            var content = files.Read(ManifestFiles.Combine(directory, file))
                ?? throw new ManifestException($"{path}: configMapGenerator '{name}': '{file}' not found");
            data[key] = content;
        }

        var metadata = new JsonObject { ["name"] = name };
        if (generator["namespace"] is { } ns)
        {
            metadata["namespace"] = ns.GetValue<string>();
        }

        if (options["labels"] is JsonObject labels)
        {
            metadata["labels"] = labels.DeepClone();
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMap", ["metadata"] = metadata, ["data"] = data };
    }

    private void ApplyPatch(List<JsonObject> objects, JsonObject entry, string directory, string path)
    {
        foreach (var (field, _) in entry)
        {
            if (field != "path")
            {
                throw new ManifestException($"{path}: patches: field '{field}' is not rendered by meshctl (patches by path only)");
            }
        }

        var file = ManifestFiles.Combine(directory, Required(entry, "path", path, "patches"));
        foreach (var patch in Objects(files.Read(file) ?? throw new ManifestException($"{path}: patches: '{file}' not found"), file))
        {
            var target = ObjectId.Of(patch);
            var index = objects.FindIndex(o => ObjectId.Of(o).Matches(target));
            if (index < 0)
            {
                throw new ManifestException($"{file}: no object {target} to patch");
            }

            objects[index] = (JsonObject)MergePatch.Apply(objects[index], patch)!;
        }
    }

    private static void RequireFields(JsonObject item, HashSet<string> allowed, string path, string where)
    {
        foreach (var (field, _) in item)
        {
            if (!allowed.Contains(field))
            {
                throw new ManifestException($"{path}: {where}: field '{field}' is not rendered by meshctl");
            }
        }
    }

    private static string Required(JsonObject item, string field, string path, string where) =>
        item[field]?.ToString() is { Length: > 0 } value ? value : throw new ManifestException($"{path}: {where}: '{field}' is required");

    private static IEnumerable<string> Strings(JsonNode? node, string path, string field)
    {
        foreach (var item in List(node, path, field))
        {
            yield return item is JsonValue value && value.TryGetValue<string>(out var text) ? text : throw new ManifestException($"{path}: {field}: every entry must be a string");
        }
    }

    private static IEnumerable<JsonObject> Items(JsonNode? node, string path, string field)
    {
        foreach (var item in List(node, path, field))
        {
            yield return item as JsonObject ?? throw new ManifestException($"{path}: {field}: every entry must be a mapping");
        }
    }

    private static JsonArray List(JsonNode? node, string path, string field) => node switch
    {
        null => [],
        JsonArray list => list,
        _ => throw new ManifestException($"{path}: {field} must be a list"),
    };
}
