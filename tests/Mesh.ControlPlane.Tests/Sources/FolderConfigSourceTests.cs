using Mesh.Istio;
using Mesh.Istio.Networking;
using Mesh.ControlPlane.Sources;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.ControlPlane.Tests.Sources;

public sealed class FolderConfigSourceTests
{
    private static string VirtualService(string name, int weight) => $$"""
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: {{name}}, namespace: default }
        spec:
          hosts: [{{name}}]
          http:
          - route:
            - { destination: { host: {{name}}, subset: v1 }, weight: {{weight}} }
            - { destination: { host: {{name}}, subset: v2 }, weight: {{100 - weight}} }
        """;

    private const string Broken = """
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata: { name: backend, namespace: default }
        spec:
          hosts: [backend]
          http:
          - route:
            - { destination: { host: backend }, weight: 250 }
            - { destination: { host: backend }, weight: 20 }
        """;

    private static FolderConfigSource Start(TempDirectory dir)
    {
        var source = new FolderConfigSource(dir.Path, NullLogger<FolderConfigSource>.Instance, TimeProvider.System, TimeSpan.FromMilliseconds(20));
        source.Start();
        return source;
    }

    private static int WeightOf(ConfigState state, string name) =>
        state.Resources.OfType<VirtualService>().Single(v => v.Metadata.Name == name).Spec.Http[0].Route[0].Weight;

    [Fact]
    public void Start_FolderWithValidAndBrokenFiles_ServesValidAndReportsBroken()
    {
        using var dir = new TempDirectory();
        dir.Write("good.yaml", VirtualService("frontend", 90));
        dir.Write("bad.yaml", Broken);

        using var source = Start(dir);

        Assert.Equal(["frontend"], source.Current.Resources.Select(r => r.Metadata.Name));
        Assert.Equal("good.yaml", source.Current.Resources[0].Source.File);
        var rejection = Assert.Single(source.Current.Rejections);
        Assert.Equal("bad.yaml", rejection.Origin);
        Assert.Contains(rejection.Errors, e => e.File == "bad.yaml" && e.FieldPath.StartsWith("spec.http[0].route", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watch_FileBrokenThenFixed_KeepsLastGoodUntilFixed()
    {
        using var dir = new TempDirectory();
        dir.Write("backend.yaml", VirtualService("backend", 80));
        dir.Write("frontend.yaml", VirtualService("frontend", 90));
        using var source = Start(dir);
        var changes = new System.Collections.Concurrent.ConcurrentQueue<ConfigChange>();
        source.Changed += changes.Enqueue;

        dir.Write("backend.yaml", Broken);
        dir.Write("frontend.yaml", VirtualService("frontend", 50));
        await Eventually.TrueAsync(() => source.Current.Rejections.Count == 1 && WeightOf(source.Current, "frontend") == 50, "the broken file to be rejected and the other to apply");

        Assert.Equal(80, WeightOf(source.Current, "backend"));
        Assert.Equal(1, source.Current.Rejections[0].ResourcesStillServed);

        dir.Write("backend.yaml", VirtualService("backend", 30));
        await Eventually.TrueAsync(() => source.Current.Rejections.Count == 0 && WeightOf(source.Current, "backend") == 30, "the fixed file to apply");
        // The change names what the re-read file served, not the other file's resources (changes arrive in order).
        await Eventually.TrueAsync(
            () => changes.LastOrDefault()?.Keys.SetEquals([new ConfigKey("VirtualService", "default", "backend")]) == true,
            "the fix to be reported as a change of VirtualService default/backend alone");
    }

    [Fact]
    public async Task Watch_OneOfTwoResourcesEdited_ReportsOnlyThatOneAndAnUneditedSaveNothing()
    {
        using var dir = new TempDirectory();
        dir.Write("routing.yaml", VirtualService("backend", 80) + "\n---\n" + VirtualService("frontend", 90));
        using var source = Start(dir);
        var changes = new System.Collections.Concurrent.ConcurrentQueue<ConfigChange>();
        source.Changed += changes.Enqueue;

        dir.Write("routing.yaml", VirtualService("backend", 80) + "\n---\n" + VirtualService("frontend", 40));
        await Eventually.TrueAsync(() => !changes.IsEmpty, "the edit to be reported");
        Assert.True(Assert.Single(changes).Keys.SetEquals([new ConfigKey("VirtualService", "default", "frontend")]));

        // Saved again with nothing edited, then an edit after it: only the edit is reported.
        dir.Write("routing.yaml", VirtualService("backend", 80) + "\n---\n" + VirtualService("frontend", 40));
        await Eventually.TrueAsync(() => WeightOf(source.Current, "frontend") == 40, "the re-read");
        dir.Write("other.yaml", VirtualService("reviews", 70));
        await Eventually.TrueAsync(() => changes.Count == 2, "the second edit to be reported");
        Assert.True(changes.Last().Keys.SetEquals([new ConfigKey("VirtualService", "default", "reviews")]));
    }

    [Fact]
    public async Task Watch_FileDeletedAndReplacedByRename_FollowsTheFolder()
    {
        using var dir = new TempDirectory();
        dir.Write("backend.yaml", VirtualService("backend", 80));
        dir.Write("frontend.yaml", VirtualService("frontend", 90));
        using var source = Start(dir);

        var changes = new System.Collections.Concurrent.ConcurrentQueue<ConfigChange>();
        source.Changed += changes.Enqueue;

        File.Delete(Path.Combine(dir.Path, "frontend.yaml"));
        await Eventually.TrueAsync(() => source.Current.Resources.Count == 1, "the deleted file's resources to go");
        await Eventually.TrueAsync(() => changes.Any(c => c.Keys.Contains(new ConfigKey("VirtualService", "default", "frontend"))), "the removal to name the resource");

        // How editors save: write a temporary file, then rename it over the original.
        var temp = dir.Write(".backend.yaml.tmp", VirtualService("backend", 10));
        File.Move(temp, Path.Combine(dir.Path, "backend.yaml"), overwrite: true);
        await Eventually.TrueAsync(() => WeightOf(source.Current, "backend") == 10, "the renamed-over file to apply");
        Assert.Single(source.Current.Resources);
    }

    [Fact]
    public async Task Watch_SaveByRenamingATemporaryFile_ReadsThatFileAloneAndAFolderMovedInRescans()
    {
        using var dir = new TempDirectory();
        dir.Write("backend.yaml", VirtualService("backend", 80));
        // A broken file logs its errors each time it is read: how this test sees which files a save made the source read.
        dir.Write("broken.yaml", Broken);
        using var log = new LogCapture();
        using var source = new FolderConfigSource(dir.Path, new LoggerFactory([log]).CreateLogger<FolderConfigSource>(), TimeProvider.System, TimeSpan.FromMilliseconds(20));
        source.Start();
        int BrokenReads() => log.Lines.Count(line => line.EventId == 102);
        Assert.Equal(1, BrokenReads());

        var temp = dir.Write("backend.yaml.tmp", VirtualService("backend", 10));
        File.Move(temp, Path.Combine(dir.Path, "backend.yaml"), overwrite: true);
        await Eventually.TrueAsync(() => WeightOf(source.Current, "backend") == 10, "the renamed-over file to apply");
        Assert.Equal(1, BrokenReads());

        // A folder moved in brings files no file event names: the whole folder is looked at again.
        using var elsewhere = new TempDirectory();
        var team = Path.Combine(elsewhere.Path, "team");
        Directory.CreateDirectory(team);
        File.WriteAllText(Path.Combine(team, "frontend.yaml"), VirtualService("frontend", 90));
        Directory.Move(team, Path.Combine(dir.Path, "team"));
        await Eventually.TrueAsync(() => source.Current.Resources.Count == 2, "the moved-in folder's resources to serve");
        Assert.Equal(2, BrokenReads());
    }

    [Fact]
    public async Task Watch_FileReplacedByHundredThousandNestedBrackets_IsRejectedAndItsLastGoodServes()
    {
        using var dir = new TempDirectory();
        dir.Write("backend.yaml", VirtualService("backend", 80));
        using var source = Start(dir);

        dir.Write("backend.yaml", new string('[', 100_000));
        await Eventually.TrueAsync(() => source.Current.Rejections.Count == 1, "the nested file to be rejected");

        var error = Assert.Single(source.Current.Rejections[0].Errors);
        Assert.Equal("backend.yaml:1:101: nested more than 100 levels deep (the limit on config input)", error.ToString());
        Assert.Equal(80, WeightOf(source.Current, "backend"));
    }

    [Fact]
    public void Start_FileOverTheSizeLimit_IsRejectedAndTheOthersServe()
    {
        using var dir = new TempDirectory();
        dir.Write("frontend.yaml", VirtualService("frontend", 90));
        dir.Write("big.yaml", VirtualService("backend", 80) + new string('#', 1_000));
        var limits = new ConfigInputLimits { MaxFileBytes = 1_000 };

        using var source = new FolderConfigSource(dir.Path, NullLogger<FolderConfigSource>.Instance, TimeProvider.System, TimeSpan.FromMilliseconds(20), limits);
        source.Start();

        Assert.Equal(["frontend"], source.Current.Resources.Select(r => r.Metadata.Name));
        Assert.Contains("bytes a config file may hold", Assert.Single(source.Current.Rejections[0].Errors).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Start_MissingFolder_ThrowsClearError()
    {
        var missing = Path.Combine(Path.GetTempPath(), "mesh-cp-missing-" + Guid.NewGuid().ToString("N"));
        using var source = new FolderConfigSource(missing, NullLogger<FolderConfigSource>.Instance, TimeProvider.System, TimeSpan.FromMilliseconds(20));

        var error = Assert.Throws<DirectoryNotFoundException>(source.Start);
        Assert.Contains(missing, error.Message);
    }
}
