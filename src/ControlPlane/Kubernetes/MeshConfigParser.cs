using System.Globalization;
using Mesh.Istio;
using Mesh.Istio.Loading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>A mesh config that cannot be used: where (a field path, or "mesh" with a line and column) and why.</summary>
internal sealed class MeshConfigException(string path, string reason) : Exception($"{path}: {reason}")
{
    public string Path { get; } = path;

    public string Reason { get; } = reason;
}

/// <summary>
/// Reads Istio's MeshConfig YAML (the istio ConfigMap's <c>mesh</c> key) with the bounded parser Istio config files go
/// through: one document, a mapping at the top, the implemented fields type-checked. Throws <see cref="MeshConfigException"/>.
/// </summary>
internal static class MeshConfigParser
{
    /// <summary>A ConfigMap holds at most 1 MiB; the mesh config is a few kilobytes.</summary>
    public const int MaxBytes = 1024 * 1024;

    private static readonly ConfigInputLimits Limits = new() { MaxFileBytes = MaxBytes, MaxNodes = 50_000 };

    public static MeshConfigDocument Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return MeshConfigDocument.Empty;
        if (text.Length > MaxBytes) throw new MeshConfigException("mesh", $"{text.Length} characters, over the {MaxBytes} a mesh config may hold");

        var parser = new BoundedYamlParser(new Parser(new StringReader(text)), Limits);
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (InputLimitException e)
        {
            throw new MeshConfigException($"mesh (line {e.Start.Line}, column {e.Start.Column})", e.Reason);
        }
        catch (YamlException e)
        {
            var inner = e;
            while (inner.InnerException is YamlException next) inner = next;
            var message = inner.Message;
            var prefix = message.IndexOf("): ", StringComparison.Ordinal);
            throw new MeshConfigException($"mesh (line {inner.Start.Line}, column {inner.Start.Column})",
                "YAML syntax error: " + (message.StartsWith('(') && prefix > 0 ? message[(prefix + 3)..] : message));
        }

        if (stream.Documents.Count == 0) return MeshConfigDocument.Empty;
        if (stream.Documents.Count > 1) throw new MeshConfigException("mesh", $"{stream.Documents.Count} YAML documents; a mesh config is one");
        var root = stream.Documents[0].RootNode;
        if (IsNull(root)) return MeshConfigDocument.Empty;
        if (root is not YamlMappingNode mapping) throw new MeshConfigException("mesh", "expected a mapping of MeshConfig fields");

        var fields = new List<string>();
        Collect(mapping, "", fields);
        var defaultConfig = Child(mapping, "defaultConfig") is { } node
            ? node as YamlMappingNode ?? throw new MeshConfigException("defaultConfig", "expected a mapping (ProxyConfig)")
            : null;
        return new MeshConfigDocument
        {
            DiscoveryAddress = Address(defaultConfig, "discoveryAddress", MeshConfigFields.DiscoveryAddress),
            HoldApplicationUntilProxyStarts = Bool(defaultConfig, "holdApplicationUntilProxyStarts", MeshConfigFields.HoldApplicationUntilProxyStarts),
            EnablePrometheusMerge = Bool(mapping, "enablePrometheusMerge", MeshConfigFields.EnablePrometheusMerge),
            TrustDomain = String(mapping, "trustDomain", MeshConfigFields.TrustDomain),
            RootNamespace = String(mapping, "rootNamespace", MeshConfigFields.RootNamespace),
            OutboundTrafficPolicy = OutboundTrafficPolicy(mapping),
            IngressClass = String(mapping, "ingressClass", MeshConfigFields.IngressClass),
            IngressControllerMode = String(mapping, "ingressControllerMode", MeshConfigFields.IngressControllerMode) switch
            {
                null => null,
                "STRICT" => Model.IngressControllerMode.Strict,
                "DEFAULT" => Model.IngressControllerMode.Default,
                "OFF" => Model.IngressControllerMode.Off,
                var other => throw new MeshConfigException(MeshConfigFields.IngressControllerMode, $"Invalid value: \"{other}\": expected STRICT, DEFAULT or OFF"),
            },
            IngressSelector = String(mapping, "ingressSelector", MeshConfigFields.IngressSelector),
            IngressService = String(mapping, "ingressService", MeshConfigFields.IngressService),
            Fields = fields,
        };
    }

    /// <summary>The path of every non-null scalar or list under <paramref name="node"/>; a mapping is walked into.</summary>
    private static void Collect(YamlMappingNode node, string path, List<string> fields)
    {
        foreach (var (key, value) in node.Children)
        {
            var child = FieldPaths.Field(path, (key as YamlScalarNode)?.Value ?? key.ToString());
            if (IsNull(value)) continue;
            if (value is YamlMappingNode nested) Collect(nested, child, fields);
            else fields.Add(child);
        }
    }

    private static YamlNode? Child(YamlMappingNode? node, string key)
    {
        if (node is null || !node.Children.TryGetValue(new YamlScalarNode(key), out var value) || IsNull(value)) return null;
        return value;
    }

    private static string? String(YamlMappingNode? node, string key, string path) => Child(node, key) switch
    {
        null => null,
        YamlScalarNode { Value: { } text } => text,
        _ => throw new MeshConfigException(path, "expected a string"),
    };

    private static bool? Bool(YamlMappingNode? node, string key, string path) => String(node, key, path) is not { } text
        ? null
        : bool.TryParse(text, out var value) ? value : throw new MeshConfigException(path, $"Invalid value: \"{text}\": expected true or false");

    /// <summary>outboundTrafficPolicy.mode, by Istio's enum names.</summary>
    private static Model.OutboundTrafficPolicyMode? OutboundTrafficPolicy(YamlMappingNode mapping)
    {
        if (Child(mapping, "outboundTrafficPolicy") is not { } node) return null;
        if (node is not YamlMappingNode policy) throw new MeshConfigException("outboundTrafficPolicy", "expected a mapping (OutboundTrafficPolicy)");
        return String(policy, "mode", MeshConfigFields.OutboundTrafficPolicyMode) switch
        {
            null => null,
            "ALLOW_ANY" => Model.OutboundTrafficPolicyMode.AllowAny,
            "REGISTRY_ONLY" => Model.OutboundTrafficPolicyMode.RegistryOnly,
            var other => throw new MeshConfigException(MeshConfigFields.OutboundTrafficPolicyMode, $"Invalid value: \"{other}\": expected ALLOW_ANY or REGISTRY_ONLY"),
        };
    }

    /// <summary>Istio's ValidateProxyAddress: host:port, the port 1–65535.</summary>
    private static string? Address(YamlMappingNode? node, string key, string path)
    {
        if (String(node, key, path) is not { } text) return null;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            throw new MeshConfigException(path, $"Invalid value: \"{text}\": expected host:port with a port from 1 to 65535");
        }

        return text;
    }

    private static bool IsNull(YamlNode node) => node is YamlScalarNode { Style: not (ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) } scalar
        && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";
}
