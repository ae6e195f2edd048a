using System.Text.Json.Nodes;

namespace Mesh.Meshctl.Cluster.Manifests;

/// <summary>Container images by name, as kustomize's `images` transformer finds them: every `containers` and `initContainers` list, at any depth.</summary>
internal static class ImageReferences
{
    /// <summary>Gives images named `name` (the reference without tag or digest) a new name and/or tag.</summary>
    public static void Replace(IEnumerable<JsonObject> objects, string name, string? newName, string? newTag)
    {
        foreach (var item in objects)
        {
            ForEachContainer(item, container =>
            {
                if (container["image"]?.ToString() is not { } image)
                {
                    return;
                }

                var (imageName, suffix) = Split(image);
                if (imageName == name)
                {
                    container["image"] = (newName ?? imageName) + (newTag is null ? suffix : ":" + newTag);
                }
            });
        }
    }

    /// <summary>Calls the action for each container object (of pods, pod templates and job templates).</summary>
    public static void ForEachContainer(JsonNode? node, Action<JsonObject> action)
    {
        switch (node)
        {
            case JsonObject map:
                foreach (var (key, value) in map)
                {
                    if (key is "containers" or "initContainers" && value is JsonArray containers)
                    {
                        foreach (var container in containers)
                        {
                            if (container is JsonObject c)
                            {
                                action(c);
                            }
                        }
                    }
                    else
                    {
                        ForEachContainer(value, action);
                    }
                }

                break;
            case JsonArray list:
                foreach (var item in list)
                {
                    ForEachContainer(item, action);
                }

                break;
        }
    }

    /// <summary>`registry:5000/mesh:dev@sha256:...` → (`registry:5000/mesh`, `:dev@sha256:...`).</summary>
    public static (string Name, string Suffix) Split(string image)
    {
        var at = image.IndexOf('@');
        var end = at < 0 ? image.Length : at;
        var colon = image.LastIndexOf(':', end - 1);
        if (colon > image.LastIndexOf('/', end - 1))
        {
            end = colon;
        }

        return (image[..end], image[end..]);
    }
}
