using System.Reflection;

namespace Mesh.Meshctl.Local;

/// <summary>
/// Writes the demo's Istio configuration (deploy/local, embedded) into a folder, filling the {{port}}
/// placeholders with the ports this run picked.
/// </summary>
internal static class DemoConfig
{
    private const string ResourcePrefix = "demo-config/";

    public static IReadOnlyList<string> Render(string configDir, IReadOnlyDictionary<string, int> ports)
    {
        Directory.CreateDirectory(configDir);
        var assembly = typeof(DemoConfig).Assembly;
        var written = new List<string>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var text = Fill(Read(assembly, resource), ports);
            var path = Path.Combine(configDir, resource[ResourcePrefix.Length..]);
            File.WriteAllText(path, text);
            written.Add(path);
        }

        written.Sort(StringComparer.Ordinal);
        return written;
    }

    internal static string Fill(string template, IReadOnlyDictionary<string, int> ports)
    {
        foreach (var (name, port) in ports)
        {
            template = template.Replace("{{" + name + "}}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
        }

        var unfilled = template.IndexOf("{{", StringComparison.Ordinal);
        return unfilled < 0
            ? template
            : throw new InvalidOperationException($"demo config placeholder without a value: {template[unfilled..(template.IndexOf("}}", unfilled, StringComparison.Ordinal) + 2)]}");
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
