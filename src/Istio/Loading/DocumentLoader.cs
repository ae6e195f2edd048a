using Mesh.Istio.Validation;
using YamlDotNet.RepresentationModel;

namespace Mesh.Istio.Loading;

/// <summary>
/// Turns the root node of one YAML document (an object, a <c>kind: List</c>, or a JSON array of objects) into resources,
/// rejecting each object that fails to read or validate, with its problems named by field path.
/// </summary>
/// <param name="text">The text the document was parsed from: each resource's <see cref="IstioResource.ContentHash"/> hashes its part of it.</param>
/// <param name="documentEnd">Where the document's text ends in <paramref name="text"/>: before the marker of the next document, or at the end.</param>
/// <param name="usesAliases">
/// Whether the document has an alias: then an item's text need not hold all of it (an alias may repeat another item's
/// anchor), so each resource's hash covers the whole document.
/// </param>
internal sealed class DocumentLoader(
    string file, string text, int documentIndex, long documentEnd, bool usesAliases,
    List<IstioResource> resources, List<ConfigError> errors, List<ConfigError> warnings)
{
    // Metadata Kubernetes fills in or that tools write; valid, but of no use to the mesh.
    private static readonly string[] IgnoredMetadata =
    [
        "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
        "generateName", "ownerReferences", "finalizers", "managedFields", "selfLink",
    ];

    private long documentStart;

    public void Load(YamlNode root)
    {
        if (YamlMappingReader.IsNull(root))
        {
            return;
        }

        documentStart = root.Start.Index;
        if (root is YamlSequenceNode array)
        {
            LoadItems(array, "");
            return;
        }

        if (root is not YamlMappingNode mapping)
        {
            Report(errors, root, null, null, null, "", "Invalid value: a document must be an object, a List or an array of objects");
            return;
        }

        var kind = Scalar(mapping, "kind");
        if (kind is not null && kind.EndsWith("List", StringComparison.Ordinal) && mapping.Children.TryGetValue(new YamlScalarNode("items"), out var items))
        {
            if (items is YamlSequenceNode list)
            {
                LoadItems(list, "items");
            }
            else if (!YamlMappingReader.IsNull(items))
            {
                Report(errors, items, kind, null, null, "items", "Invalid value: expected a list");
            }

            return;
        }

        LoadObject(mapping, null, documentEnd);
    }

    private void LoadItems(YamlSequenceNode items, string path)
    {
        for (var i = 0; i < items.Children.Count; i++)
        {
            if (items.Children[i] is YamlMappingNode item)
            {
                // YamlDotNet's nodes know where they start, not where they end: an item's text runs to the next one.
                LoadObject(item, i, i + 1 < items.Children.Count ? items.Children[i + 1].Start.Index : documentEnd);
            }
            else
            {
                Report(errors, items.Children[i], null, null, null, FieldPaths.Index(path, i), "Invalid value: expected an object");
            }
        }
    }

    private void LoadObject(YamlMappingNode mapping, int? itemIndex, long textEnd)
    {
        var kind = Scalar(mapping, "kind");
        var apiVersion = Scalar(mapping, "apiVersion");
        var prefix = itemIndex is { } item ? $"items[{item}]." : "";
        if (string.IsNullOrEmpty(kind) || string.IsNullOrEmpty(apiVersion))
        {
            Report(errors, mapping, kind, null, null, prefix + (string.IsNullOrEmpty(kind) ? "kind" : "apiVersion"), "Required value: every object needs apiVersion and kind");
            return;
        }

        // Only Istio's kinds in Istio's groups are ours; a Deployment, a Service or a Gateway API Gateway is someone else's.
        var slash = apiVersion.IndexOf('/');
        var modelledGroup = IstioKinds.GroupOf(kind);
        var group = modelledGroup ?? IstioKinds.UnmodelledGroupOf(kind);
        if (group is null || slash < 0 || apiVersion[..slash] != group)
        {
            return;
        }

        var problems = new FieldProblems();
        var root = new YamlMappingReader(mapping, "", problems);
        root.Ignore("apiVersion");
        root.Ignore("kind");
        root.Ignore("status");
        var metadata = root.Object("metadata", ReadMetadata);
        if (modelledGroup is null)
        {
            LoadUnmodelled(mapping, kind, apiVersion, metadata, itemIndex, textEnd, root, problems);
            return;
        }

        if (!IstioKinds.IsServedVersion(kind, group, apiVersion[(slash + 1)..]))
        {
            problems.Error("apiVersion", $"Unsupported value: \"{apiVersion}\": {kind} is served at {group}/{{{IstioKinds.ServedVersions(kind, group)}}}");
        }

        if (metadata is null)
        {
            problems.Error("metadata", "Required value: metadata.name is required");
        }

        var hasSpec = root.Has("spec");
        var spec = root.Take("spec") as YamlMappingNode;
        if (!hasSpec)
        {
            problems.Error("spec", "Required value");
        }
        else if (spec is null)
        {
            problems.Error("spec", "Invalid value: expected an object");
        }

        var specReader = new YamlMappingReader(spec ?? new YamlMappingNode(), "spec", problems);
        var source = new ConfigSource(file, documentIndex, itemIndex) { Line = (int)mapping.Start.Line };
        var resource = IstioKinds.Create(kind, apiVersion, metadata ?? new ResourceMetadata { Name = "" }, source, specReader);
        specReader.WarnUnknownFields();
        root.WarnUnknownFields();
        if (problems.Errors.Count == 0)
        {
            IstioValidator.Validate(resource, problems);
        }

        Accept(mapping, kind, metadata, itemIndex, textEnd, resource, problems);
    }

    /// <summary>
    /// A kind of Istio's the mesh does not model: its metadata is read (and must be valid, as Kubernetes requires) and
    /// the rest is kept unread, so the analyzer can report the whole resource as having no effect.
    /// </summary>
    private void LoadUnmodelled(YamlMappingNode mapping, string kind, string apiVersion, ResourceMetadata? metadata, int? itemIndex, long textEnd,
        YamlMappingReader root, FieldProblems problems)
    {
        if (metadata is null)
        {
            problems.Error("metadata", "Required value: metadata.name is required");
        }

        foreach (var keyNode in mapping.Children.Keys)
        {
            if (keyNode is YamlScalarNode { Value: { } key } && key != "metadata")
            {
                root.Ignore(key);
            }
        }

        var resource = new UnsupportedResource
        {
            KindName = kind,
            ApiVersion = apiVersion,
            Metadata = metadata ?? new ResourceMetadata { Name = "" },
            Source = new ConfigSource(file, documentIndex, itemIndex) { Line = (int)mapping.Start.Line },
        };
        Accept(mapping, kind, metadata, itemIndex, textEnd, resource, problems);
    }

    /// <summary>Reports the document's problems; without errors, the resource joins the result, with its hash and field lines.</summary>
    private void Accept(YamlMappingNode mapping, string kind, ResourceMetadata? metadata, int? itemIndex, long textEnd, IstioResource resource, FieldProblems problems)
    {
        var prefix = itemIndex is { } item ? $"items[{item}]." : "";
        var name = metadata?.Name;
        var ns = metadata?.Namespace;
        foreach (var (path, reason) in problems.Errors)
        {
            Report(errors, mapping, kind, ns, name, prefix + path, reason);
        }

        foreach (var (path, reason) in problems.Warnings)
        {
            Report(warnings, mapping, kind, ns, name, prefix + path, reason);
        }

        if (problems.Errors.Count == 0)
        {
            resources.Add(resource with
            {
                ContentHash = usesAliases ? HashOf(documentStart, documentEnd) : HashOf(mapping.Start.Index, textEnd),
                FieldLines = new Dictionary<string, int>(problems.FieldLines, StringComparer.Ordinal),
            });
        }
    }

    /// <summary>SHA-256 of a resource's text (its document, List item or JSON object), from the parser's positions.</summary>
    private string HashOf(long from, long to)
    {
        var start = (int)Math.Clamp(from, 0, text.Length);
        var end = (int)Math.Clamp(to, start, text.Length);
        return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text, start, end - start)));
    }

    private static ResourceMetadata ReadMetadata(YamlMappingReader r)
    {
        foreach (var ignored in IgnoredMetadata)
        {
            r.Ignore(ignored);
        }

        var name = r.String("name");
        if (string.IsNullOrEmpty(name))
        {
            r.Error("name", "Required value: name is required");
        }
        else if (!IstioNameRules.IsDns1123Subdomain(name))
        {
            r.Error("name", $"Invalid value: \"{name}\": {IstioNameRules.Dns1123SubdomainMessage}");
        }

        var ns = r.String("namespace");
        if (ns is not null && !IstioNameRules.IsDns1123Label(ns))
        {
            r.Error("namespace", $"Invalid value: \"{ns}\": {IstioNameRules.Dns1123LabelMessage}");
        }

        return new ResourceMetadata
        {
            Name = name ?? "",
            Namespace = string.IsNullOrEmpty(ns) ? ResourceMetadata.DefaultNamespace : ns,
            Labels = r.StringMap("labels"),
            Annotations = r.StringMap("annotations"),
        };
    }

    private static string? Scalar(YamlMappingNode mapping, string key) =>
        mapping.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;

    /// <summary>Records a problem at the line of <paramref name="node"/>: the object it belongs to, or the value that is wrong.</summary>
    private void Report(List<ConfigError> target, YamlNode node, string? kind, string? ns, string? name, string path, string reason) =>
        target.Add(new ConfigError(file, documentIndex, kind, ns, name, path, reason) { Line = (int)node.Start.Line, Column = (int)node.Start.Column });
}
