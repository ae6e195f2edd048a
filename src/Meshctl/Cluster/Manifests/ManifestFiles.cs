using System.Reflection;

namespace Mesh.Meshctl.Cluster.Manifests;

/// <summary>
/// A read-only tree of manifest files addressed by '/'-separated relative paths: the `deploy/` folder embedded in
/// meshctl, or a folder on disk (tests, and users rendering their own copy).
/// </summary>
internal abstract class ManifestFiles
{
    /// <summary>The `deploy/` tree built into meshctl (its yaml and json files).</summary>
    public static ManifestFiles Embedded { get; } = new EmbeddedFiles();

    public static ManifestFiles FromDirectory(string root) => new DirectoryFiles(root);

    /// <summary>The file's text, or null when there is no such file.</summary>
    public abstract string? Read(string path);

    public abstract bool IsDirectory(string path);

    /// <summary>Joins a relative reference onto a directory and resolves `.` and `..`; a path leaving the tree is refused.</summary>
    public static string Combine(string directory, string reference)
    {
        var segments = new List<string>();
        foreach (var segment in (directory.Length == 0 ? reference : directory + "/" + reference).Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count == 0)
                {
                    throw new ManifestException($"'{reference}' (from '{directory}') leaves the manifests' folder");
                }

                segments.RemoveAt(segments.Count - 1);
                continue;
            }

            segments.Add(segment);
        }

        return string.Join('/', segments);
    }

    private sealed class EmbeddedFiles : ManifestFiles
    {
        private const string Prefix = "deploy/";
        private readonly Assembly _assembly = typeof(EmbeddedFiles).Assembly;
        private readonly HashSet<string> _files = [];
        private readonly HashSet<string> _directories = [""];

        public EmbeddedFiles()
        {
            foreach (var name in _assembly.GetManifestResourceNames())
            {
                if (!name.StartsWith(Prefix, StringComparison.Ordinal))
                {
                    continue;
                }

                var path = name[Prefix.Length..];
                _files.Add(path);
                for (var slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
                {
                    _directories.Add(path[..slash]);
                }
            }
        }

        public override string? Read(string path)
        {
            if (!_files.Contains(path))
            {
                return null;
            }

            using var stream = _assembly.GetManifestResourceStream(Prefix + path)!;
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        public override bool IsDirectory(string path) => _directories.Contains(path);
    }

    private sealed class DirectoryFiles(string root) : ManifestFiles
    {
        public override string? Read(string path)
        {
            var full = Path.Combine(root, path);
            return File.Exists(full) ? File.ReadAllText(full) : null;
        }

        public override bool IsDirectory(string path) => Directory.Exists(Path.Combine(root, path));
    }
}
