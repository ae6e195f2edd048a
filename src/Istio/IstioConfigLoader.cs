using Mesh.Istio.Loading;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Istio;

/// <summary>
/// Loads Istio resources from YAML or JSON text, files and folders, validating each with Istio's rules.
/// A document that fails is reported and skipped; the rest still load.
/// </summary>
public static class IstioConfigLoader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    /// <summary>Loads every *.yaml, *.yml and *.json file under <paramref name="directory"/>, recursively, in ordinal path order.</summary>
    public static ConfigLoadResult LoadDirectory(string directory)
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
            Load(ReadFile(file, errors), file, resources, errors, warnings);
        }

        return new ConfigLoadResult(resources, errors, warnings);
    }

    public static ConfigLoadResult LoadFile(string path)
    {
        var resources = new List<IstioResource>();
        var errors = new List<ConfigError>();
        var warnings = new List<ConfigError>();
        Load(ReadFile(path, errors), path, resources, errors, warnings);
        return new ConfigLoadResult(resources, errors, warnings);
    }

    /// <param name="text">YAML (one or more documents) or JSON.</param>
    /// <param name="sourceName">The name errors give the text, such as its file name.</param>
    public static ConfigLoadResult LoadText(string text, string sourceName)
    {
        var resources = new List<IstioResource>();
        var errors = new List<ConfigError>();
        var warnings = new List<ConfigError>();
        Load(text, sourceName, resources, errors, warnings);
        return new ConfigLoadResult(resources, errors, warnings);
    }

    private static string? ReadFile(string path, List<ConfigError> errors)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add(new ConfigError(path, 0, null, null, null, "", "cannot read file: " + e.Message));
            return null;
        }
    }

    private static void Load(string? text, string source, List<IstioResource> resources, List<ConfigError> errors, List<ConfigError> warnings)
    {
        if (text is null)
        {
            return;
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            // The documents before the broken one were read completely and still load.
            errors.Add(new ConfigError(source, stream.Documents.Count, null, null, null, "", "YAML syntax error: " + InnermostMessage(e))
            {
                Line = (int)e.Start.Line,
                Column = (int)e.Start.Column,
            });
        }
        catch (InvalidOperationException e)
        {
            // YamlDotNet's scanner throws this, without a position, on some malformed plain scalars.
            errors.Add(new ConfigError(source, stream.Documents.Count, null, null, null, "", "YAML syntax error: " + e.Message));
        }

        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var end = i + 1 < stream.Documents.Count ? stream.Documents[i + 1].RootNode.Start.Index : text.Length;
            new DocumentLoader(source, text, i, end, resources, errors, warnings).Load(stream.Documents[i].RootNode);
        }
    }

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
