using System.Collections.ObjectModel;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Istio.Loading;

/// <summary>
/// Reads the fields of one YAML mapping into typed values, recording a type error (with its field path) for every
/// value of the wrong shape and a warning for every field nobody asked for.
/// </summary>
internal sealed class YamlMappingReader
{
    private readonly YamlMappingNode node;
    private readonly FieldProblems problems;
    private readonly HashSet<string> consumed = new(StringComparer.Ordinal);

    public YamlMappingReader(YamlMappingNode node, string path, FieldProblems problems)
    {
        this.node = node;
        Path = path;
        this.problems = problems;
    }

    public string Path { get; }

    /// <summary>Whether the field is written with a non-null value.</summary>
    public bool Has(string key) => node.Children.TryGetValue(new YamlScalarNode(key), out var value) && !IsNull(value);

    public string? String(string key) => Take(key) is { } value ? AsString(value, FieldPaths.Field(Path, key)) : null;

    public bool? Bool(string key)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        problems.Error(FieldPaths.Field(Path, key), $"Invalid value: \"{text}\": expected true or false");
        return null;
    }

    public uint? UInt32(string key) => Number<uint>(key, "a number between 0 and 4294967295", uint.TryParse);

    public int? Int32(string key) => Number<int>(key, "a 32-bit integer", int.TryParse);

    public ulong? UInt64(string key) => Number<ulong>(key, "a non-negative integer", ulong.TryParse);

    public double? Double(string key) => Number<double>(key, "a number", double.TryParse);

    public TimeSpan? Duration(string key)
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        if (IstioDuration.TryParse(text, out var value))
        {
            return value;
        }

        problems.Error(FieldPaths.Field(Path, key), $"Invalid value: \"{text}\": invalid duration (use a number and a unit, e.g. \"1.5s\", \"100ms\", \"1h2m\")");
        return null;
    }

    public T? Enum<T>(string key, Func<string, T?> parse, string supportedValues)
        where T : struct
    {
        if (String(key) is not { } text)
        {
            return null;
        }

        if (parse(text) is { } value)
        {
            return value;
        }

        problems.Error(FieldPaths.Field(Path, key), $"Unsupported value: \"{text}\": supported values: {supportedValues}");
        return null;
    }

    public IReadOnlyList<string> Strings(string key) => ReadList<string>(key, TryString) ?? [];

    public IReadOnlyList<T> List<T>(string key, Func<YamlMappingReader, T> parse) =>
        ReadList(key, (YamlNode item, string path, out T value) => TryObject(item, path, parse, out value)) ?? [];

    public T? Object<T>(string key, Func<YamlMappingReader, T> parse)
        where T : class
    {
        var path = FieldPaths.Field(Path, key);
        return Take(key) is { } value && AsMapping(value, path) is { } mapping ? Read(mapping, path, parse) : null;
    }

    public IReadOnlyDictionary<string, string> StringMap(string key) =>
        ReadMap<string>(key, TryString) ?? ReadOnlyDictionary<string, string>.Empty;

    public IReadOnlyDictionary<string, uint> UInt32Map(string key) =>
        ReadMap(key, (YamlNode node, string path, out uint value) =>
        {
            value = AsString(node, path) is { } text ? ParseNumber<uint>(text, path, "a number between 0 and 4294967295", uint.TryParse) ?? 0 : 0;
            return !problems.HasErrorAt(path);
        }) ?? ReadOnlyDictionary<string, uint>.Empty;

    public IReadOnlyDictionary<string, T> Map<T>(string key, Func<YamlMappingReader, T> parse)
        where T : class =>
        ReadMap(key, (YamlNode node, string path, out T value) => TryObject(node, path, parse, out value))
        ?? ReadOnlyDictionary<string, T>.Empty;

    /// <summary>A map keyed by port number (keys arrive as strings); Kubernetes requires such a map, when written, to have an entry.</summary>
    public IReadOnlyDictionary<uint, T> PortMap<T>(string key, Func<YamlMappingReader, T> parse)
        where T : class
    {
        var path = FieldPaths.Field(Path, key);
        if (Take(key) is not { } value || AsMapping(value, path) is not { } mapping)
        {
            return ReadOnlyDictionary<uint, T>.Empty;
        }

        if (mapping.Children.Count == 0)
        {
            problems.Error(path, $"Invalid value: 0: {path} in body should have at least 1 properties");
            return ReadOnlyDictionary<uint, T>.Empty;
        }

        var result = new Dictionary<uint, T>();
        foreach (var (keyNode, entry) in mapping.Children)
        {
            var text = ((YamlScalarNode)keyNode).Value ?? "";
            var entryPath = FieldPaths.Key(path, text);
            problems.Written(entryPath, keyNode.Start.Line);
            if (!uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            {
                problems.Error(entryPath, $"type conversion error from \"{text}\" to a port number");
                continue;
            }

            if (AsMapping(entry, entryPath) is { } entryMapping)
            {
                result[port] = Read(entryMapping, entryPath, parse);
            }
        }

        return result;
    }

    /// <summary>Warns about every field of this mapping that no accessor asked for; Kubernetes would drop them silently.</summary>
    public void WarnUnknownFields()
    {
        foreach (var keyNode in node.Children.Keys)
        {
            var key = keyNode is YamlScalarNode scalar ? scalar.Value ?? "" : keyNode.ToString();
            if (!consumed.Contains(key))
            {
                problems.Warning(FieldPaths.Field(Path, key), "unknown field, ignored");
            }
        }
    }

    /// <summary>Records an error at a field of this mapping (the mapping itself when <paramref name="key"/> is empty).</summary>
    public void Error(string key, string reason) => problems.Error(key.Length == 0 ? Path : FieldPaths.Field(Path, key), reason);

    /// <summary>Marks a field as known without reading it (fields that are valid but of no use to the mesh).</summary>
    public void Ignore(string key) => consumed.Add(key);

    public YamlNode? Take(string key)
    {
        consumed.Add(key);
        foreach (var (keyNode, value) in node.Children)
        {
            if (keyNode is YamlScalarNode { Value: var name } && name == key)
            {
                if (IsNull(value))
                {
                    return null;
                }

                problems.Written(FieldPaths.Field(Path, key), keyNode.Start.Line);
                return value;
            }
        }

        return null;
    }

    public static bool IsNull(YamlNode value) =>
        value is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    private T Read<T>(YamlMappingNode mapping, string path, Func<YamlMappingReader, T> parse)
    {
        var reader = new YamlMappingReader(mapping, path, problems);
        var result = parse(reader);
        reader.WarnUnknownFields();
        return result;
    }

    private T? Number<T>(string key, string expected, NumberParser<T> parse)
        where T : struct =>
        String(key) is { } text ? ParseNumber(text, FieldPaths.Field(Path, key), expected, parse) : null;

    private T? ParseNumber<T>(string text, string path, string expected, NumberParser<T> parse)
        where T : struct
    {
        if (parse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        problems.Error(path, $"Invalid value: \"{text}\": expected {expected}");
        return null;
    }

    private IReadOnlyList<T>? ReadList<T>(string key, EntryParser<T> parseItem)
    {
        var path = FieldPaths.Field(Path, key);
        if (Take(key) is not { } value)
        {
            return null;
        }

        if (value is not YamlSequenceNode sequence)
        {
            problems.Error(path, "Invalid value: expected a list");
            return null;
        }

        var result = new List<T>(sequence.Children.Count);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            problems.Written(FieldPaths.Index(path, i), sequence.Children[i].Start.Line);
            if (parseItem(sequence.Children[i], FieldPaths.Index(path, i), out var item))
            {
                result.Add(item);
            }
        }

        return result;
    }

    private IReadOnlyDictionary<string, T>? ReadMap<T>(string key, EntryParser<T> parseValue)
    {
        var path = FieldPaths.Field(Path, key);
        if (Take(key) is not { } value || AsMapping(value, path) is not { } mapping)
        {
            return null;
        }

        var result = new Dictionary<string, T>(mapping.Children.Count, StringComparer.Ordinal);
        foreach (var (keyNode, entry) in mapping.Children)
        {
            var entryKey = keyNode is YamlScalarNode scalar ? scalar.Value ?? "" : keyNode.ToString();
            problems.Written(FieldPaths.Key(path, entryKey), keyNode.Start.Line);
            if (parseValue(entry, FieldPaths.Key(path, entryKey), out var parsed))
            {
                result[entryKey] = parsed;
            }
        }

        return result;
    }

    private bool TryString(YamlNode node, string path, out string value)
    {
        value = AsString(node, path) ?? "";
        return node is YamlScalarNode;
    }

    private bool TryObject<T>(YamlNode node, string path, Func<YamlMappingReader, T> parse, out T value)
    {
        if (AsMapping(node, path) is { } mapping)
        {
            value = Read(mapping, path, parse);
            return true;
        }

        value = default!;
        return false;
    }

    private string? AsString(YamlNode value, string path)
    {
        if (value is YamlScalarNode scalar)
        {
            return scalar.Value ?? "";
        }

        problems.Error(path, "Invalid value: expected a string, found " + (value is YamlSequenceNode ? "a list" : "an object"));
        return null;
    }

    private YamlMappingNode? AsMapping(YamlNode value, string path)
    {
        if (value is YamlMappingNode mapping)
        {
            return mapping;
        }

        if (!IsNull(value))
        {
            problems.Error(path, "Invalid value: expected an object, found " + (value is YamlSequenceNode ? "a list" : $"\"{((YamlScalarNode)value).Value}\""));
            return null;
        }

        return new YamlMappingNode();
    }

    private delegate bool EntryParser<T>(YamlNode node, string path, out T value);

    private delegate bool NumberParser<T>(string text, NumberStyles styles, IFormatProvider provider, out T value);
}
