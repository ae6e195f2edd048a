namespace Mesh.Meshctl.Local;

/// <summary>Finds the repository and the built mesh binaries (artifacts/bin/&lt;project&gt;/&lt;configuration&gt;).</summary>
internal sealed class RepositoryLayout
{
    private RepositoryLayout(string root, string configuration)
    {
        Root = root;
        Configuration = configuration;
    }

    public string Root { get; }

    /// <summary>"debug" or "release": the same one meshctl itself was built with.</summary>
    public string Configuration { get; }

    /// <summary>Walks up from <paramref name="start"/> to the folder that holds Mesh.sln.</summary>
    public static RepositoryLayout Find(string? start = null)
    {
        var origin = start ?? AppContext.BaseDirectory;
        for (var dir = new DirectoryInfo(origin); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Mesh.sln")))
            {
                return new RepositoryLayout(dir.FullName, ConfigurationOf(AppContext.BaseDirectory));
            }
        }

        throw new InvalidOperationException($"no Mesh.sln above '{origin}': run meshctl from a clone of the Mesh repository");
    }

    /// <summary>Another checkout's binaries, built with <paramref name="configuration"/> ("release" or "debug").</summary>
    public static RepositoryLayout At(string root, string configuration) =>
        File.Exists(Path.Combine(root, "Mesh.sln"))
            ? new RepositoryLayout(Path.GetFullPath(root), configuration)
            : throw new InvalidOperationException($"'{root}' is not a clone of the Mesh repository (no Mesh.sln)");

    /// <summary>The entry assembly of a mesh program, e.g. "Mesh.Proxy" → artifacts/bin/Mesh.Proxy/debug/Mesh.Proxy.dll.</summary>
    public string Binary(string project)
    {
        var path = Path.Combine(Root, "artifacts", "bin", project, Configuration, project + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{project} is not built ({path} is missing): run 'dotnet build Mesh.sln -c {Configuration}' first", path);
    }

    private static string ConfigurationOf(string baseDirectory)
    {
        // artifacts/bin/<project>/<configuration>/ — the folder name is the configuration, lower-cased by the SDK.
        var name = new DirectoryInfo(baseDirectory).Name;
        return name is "debug" or "release" ? name : "debug";
    }
}
