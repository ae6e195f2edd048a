using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Mesh.Meshctl.Cluster.Manifests;

/// <summary>
/// Kubernetes YAML as JSON objects and back. Plain scalars resolve as YAML 1.2's core schema does (what kustomize's
/// kyaml reads): null, booleans, integers and floats; anything quoted or in a block stays a string.
/// </summary>
internal static partial class YamlJson
{
    /// <summary>Every non-empty document of a (multi-document) YAML text; throws <see cref="ManifestException"/> naming the source.</summary>
    public static List<JsonNode> ParseDocuments(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ManifestException($"{source}: line {e.Start.Line}: {e.InnerException?.Message ?? e.Message}");
        }

        var documents = new List<JsonNode>();
        foreach (var document in stream.Documents)
        {
            if (ToJson(document.RootNode) is { } node)
            {
                documents.Add(node);
            }
        }

        return documents;
    }

    /// <summary>The documents as one multi-document YAML text, each opened by `---`.</summary>
    public static string Write(IEnumerable<JsonNode> documents)
    {
        var text = new StringWriter(CultureInfo.InvariantCulture);
        var emitter = new Emitter(text, bestIndent: 2, bestWidth: int.MaxValue);
        emitter.Emit(new StreamStart());
        foreach (var document in documents)
        {
            emitter.Emit(new DocumentStart(null, null, isImplicit: false));
            Emit(emitter, document);
            emitter.Emit(new DocumentEnd(isImplicit: true));
        }

        emitter.Emit(new StreamEnd());
        return text.ToString();
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ToObject(mapping),
        YamlSequenceNode sequence => ToArray(sequence),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw new ManifestException($"line {node.Start.Line}: unsupported YAML node"),
    };

    private static JsonObject ToObject(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        foreach (var (key, value) in mapping.Children)
        {
            var name = key is YamlScalarNode { Value: { } text } ? text : throw new ManifestException($"line {key.Start.Line}: a mapping key must be a scalar");
            if (!result.TryAdd(name, ToJson(value)))
            {
                throw new ManifestException($"line {key.Start.Line}: duplicate key '{name}'");
            }
        }

        return result;
    }

    private static JsonArray ToArray(YamlSequenceNode sequence)
    {
        var result = new JsonArray();
        foreach (var item in sequence.Children)
        {
            result.Add(ToJson(item));
        }

        return result;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style != ScalarStyle.Plain || scalar.Tag == "tag:yaml.org,2002:str")
        {
            return JsonValue.Create(text);
        }

        return Resolve(text, out var value) ? value : JsonValue.Create(text);
    }

    /// <summary>Whether a plain scalar reads as something other than a string (so writing it as a string needs quotes).</summary>
    private static bool Resolve(string text, out JsonNode? value)
    {
        value = null;
        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return true;
            case "true" or "True" or "TRUE":
                value = JsonValue.Create(true);
                return true;
            case "false" or "False" or "FALSE":
                value = JsonValue.Create(false);
                return true;
        }

        if (IntegerPattern().IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            value = JsonValue.Create(integer);
            return true;
        }

        if (FloatPattern().IsMatch(text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            value = JsonValue.Create(number);
            return true;
        }

        // Still not a plain string to a reader: hexadecimal, octal and the special floats.
        return OtherNumberPattern().IsMatch(text);
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject map:
                emitter.Emit(new MappingStart(null, null, false, map.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in map)
                {
                    emitter.Emit(StringScalar(key));
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray list:
                emitter.Emit(new SequenceStart(null, null, false, list.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in list)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case null:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, true, false));
                break;
            case JsonValue value when value.TryGetValue<string>(out var text):
                emitter.Emit(StringScalar(text));
                break;
            default:
                emitter.Emit(new Scalar(null, null, node.ToJsonString(), ScalarStyle.Plain, true, false));
                break;
        }
    }

    private static Scalar StringScalar(string text)
    {
        var style = text.Contains('\n') && !HasTrailingSpace(text) ? ScalarStyle.Literal
            : Resolve(text, out _) || Yaml11Scalar().IsMatch(text) ? ScalarStyle.DoubleQuoted
            : ScalarStyle.Any;
        return new Scalar(null, null, text, style, true, true);
    }

    // A literal block cannot keep spaces at a line's end on every reader: such text is written double-quoted.
    private static bool HasTrailingSpace(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.EndsWith(' ') || line.EndsWith('\t'))
            {
                return true;
            }
        }

        return false;
    }

    // YAML 1.1 readers (kubectl's sigs.k8s.io/yaml) take these plain scalars for booleans or numbers: strings that look
    // like them are written quoted, as kustomize writes them.
    [GeneratedRegex(@"^(y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])*(\.[0-9_]*)?)$")]
    private static partial Regex Yaml11Scalar();

    [GeneratedRegex("^[-+]?[0-9]+$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();

    [GeneratedRegex(@"^(0x[0-9a-fA-F]+|0o[0-7]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$")]
    private static partial Regex OtherNumberPattern();
}
