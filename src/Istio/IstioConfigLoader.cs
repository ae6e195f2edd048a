using System.Text;
using Mesh.Istio.Loading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Istio;

/// <summary>
/// Loads Istio resources from YAML or JSON text, files and folders, validating each with Istio's rules.
/// A document that fails is reported and skipped; the rest still load. A file past the <see cref="ConfigInputLimits"/>
/// is reported with where it went past them, and nothing after that point is read.
/// </summary>
public static class IstioConfigLoader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Loads every *.yaml, *.yml and *.json file under <paramref name="directory"/>, recursively, in ordinal path order.</summary>
    public static ConfigLoadResult LoadDirectory(string directory, ConfigInputLimits? limits = null)
    {
        var files = new List<string>();
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            if (Array.IndexOf(Extensions, Path.GetExtension(path).ToLowerInvariant()) >= 0)
            {
                files.Add(path);
            }
        }

        files.Sort(StringComparer.Ordinal);
        var resources = new List<IstioResource>();
        var errors = new List<ConfigError>();
        var warnings = new List<ConfigError>();
        foreach (var file in files)
        {
            Load(ReadFile(file, limits ?? ConfigInputLimits.Default, errors), file, limits ?? ConfigInputLimits.Default, resources, errors, warnings);
        }

        return new ConfigLoadResult(resources, errors, warnings);
    }

    public static ConfigLoadResult LoadFile(string path, ConfigInputLimits? limits = null)
    {
        var resources = new List<IstioResource>();
        var errors = new List<ConfigError>();
        var warnings = new List<ConfigError>();
        Load(ReadFile(path, limits ?? ConfigInputLimits.Default, errors), path, limits ?? ConfigInputLimits.Default, resources, errors, warnings);
        return new ConfigLoadResult(resources, errors, warnings);
    }

    /// <param name="text">YAML (one or more documents) or JSON.</param>
    /// <param name="sourceName">The name errors give the text, such as its file name.</param>
    /// <param name="limits">Bounds on the text; <see cref="ConfigInputLimits.Default"/> when null.</param>
    public static ConfigLoadResult LoadText(string text, string sourceName, ConfigInputLimits? limits = null)
    {
        var resources = new List<IstioResource>();
        var errors = new List<ConfigError>();
        var warnings = new List<ConfigError>();
        limits ??= ConfigInputLimits.Default;
        if (Encoding.UTF8.GetByteCount(text) is var bytes && bytes > limits.MaxFileBytes)
        {
            errors.Add(TooLarge(sourceName, bytes, limits));
        }
        else
        {
            Load(text, sourceName, limits, resources, errors, warnings);
        }

        return new ConfigLoadResult(resources, errors, warnings);
    }

    /// <summary>The file's text, or null (with the error) when it cannot be read or is larger than the limit: then it is not read at all.</summary>
    private static string? ReadFile(string path, ConfigInputLimits limits, List<ConfigError> errors)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (file.Length > limits.MaxFileBytes)
            {
                errors.Add(TooLarge(path, file.Length, limits));
                return null;
            }

            // The length can be wrong (a device, a file still growing): read no more than the limit either way.
            using var reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            var buffer = new char[64 * 1024];
            var text = new StringBuilder();
            int read;
            while ((read = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                text.Append(buffer, 0, read);
                if (text.Length > limits.MaxFileBytes)
                {
                    errors.Add(TooLarge(path, null, limits));
                    return null;
                }
            }

            return text.ToString();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ConfigError(path, 0, null, null, null, "", "cannot read file: " + e.Message));
            return null;
        }
    }

    private static ConfigError TooLarge(string source, long? bytes, ConfigInputLimits limits) =>
        new(source, 0, null, null, null, "", (bytes is { } size ? $"the file is {size} bytes, more than" : "the file is larger than")
            + $" the {limits.MaxFileBytes} bytes a config file may hold (the limit on config input): split it");

    private static void Load(string? text, string source, ConfigInputLimits limits, List<IstioResource> resources, List<ConfigError> errors, List<ConfigError> warnings)
    {
        if (text is null)
        {
            return;
        }

        var parser = new BoundedYamlParser(new Parser(new StringReader(text)), limits);
        var stream = new YamlStream();
        ConfigError? stopped = null;
        try
        {
            stream.Load(parser);
        }
        catch (InputLimitException e)
        {
            stopped = At(source, parser.DocumentIndex, e.Start, e.Reason);
        }
        catch (YamlException e)
        {
            var reason = "YAML syntax error: " + InnermostMessage(e);
            if (parser.OpenFlowCollection is var (bracket, start) && start != e.Start)
            {
                reason += $" (inside the '{bracket}' at {start.Line}:{start.Column})";
            }

            stopped = At(source, parser.DocumentIndex, e.Start, reason);
        }

        // The documents before the one that stopped the parser were read completely and still load.
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var end = DocumentTextEnd(text, i + 1 < stream.Documents.Count ? (int)stream.Documents[i + 1].RootNode.Start.Index : text.Length);
            new DocumentLoader(source, text, i, end, parser.DocumentsWithAliases.Contains(i), resources, errors, warnings).Load(stream.Documents[i].RootNode);
        }

        if (stopped is not null)
        {
            errors.Add(stopped);
        }
    }

    /// <summary>
    /// Where a document's own text ends, at or before <paramref name="end"/> (the next document's start): without the
    /// blank lines and marker lines (<c>---</c>, <c>...</c>) that separate it from the next. So a document appended to a
    /// file leaves the one before it, and its resources' <see cref="IstioResource.ContentHash"/>, as they were: the
    /// file's last document ran to the end of the text, and then ran to the new one's <c>---</c>.
    /// </summary>
    internal static int DocumentTextEnd(string text, int end)
    {
        // The parser's marks can run past the text (a last empty document): the loader clamps them as it hashes.
        end = Math.Clamp(end, 0, text.Length);
        while (true)
        {
            while (end > 0 && char.IsWhiteSpace(text[end - 1])) end--;
            if (end == 0) return 0;
            var lineStart = text.LastIndexOf('\n', end - 1) + 1;
            if (!IsDocumentMarker(text.AsSpan(lineStart, end - lineStart))) return end;
            end = lineStart;
        }
    }

    /// <summary>A line that starts or ends a document: three dashes or dots, then nothing or a space (a comment, or the next document's first node).</summary>
    private static bool IsDocumentMarker(ReadOnlySpan<char> line) =>
        (line.StartsWith("---", StringComparison.Ordinal) || line.StartsWith("...", StringComparison.Ordinal)) && (line.Length == 3 || char.IsWhiteSpace(line[3]));

    private static ConfigError At(string source, int documentIndex, Mark mark, string reason) =>
        new(source, Math.Max(documentIndex, 0), null, null, null, "", reason) { Line = (int)mark.Line, Column = (int)mark.Column };

    private static string InnermostMessage(YamlException e)
    {
        Exception inner = e;
        while (inner.InnerException is YamlException next)
        {
            inner = next;
        }

        // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the error carries the position already.
        var message = inner.Message;
        var end = message.IndexOf("): ", StringComparison.Ordinal);
        return end >= 0 ? message[(end + 3)..] : message;
    }
}
