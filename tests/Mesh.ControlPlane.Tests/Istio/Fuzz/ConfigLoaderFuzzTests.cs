using System.Diagnostics;
using System.Text;
using CsCheck;
using Mesh.Istio;
using Xunit.Abstractions;

namespace Mesh.ControlPlane.Tests.Istio.Fuzz;

/// <summary>
/// The config loader's fuzz target: whatever text arrives, loading it ends soon, throws nothing, and reports every
/// problem as a <see cref="ConfigError"/> that prints. Each run samples for a few seconds from a new seed; a failure
/// prints the shrunk input and the seed that reproduces it (CsCheck_Seed), and a longer hunt is CsCheck_Time=600.
/// </summary>
public sealed class ConfigLoaderFuzzTests(ITestOutputHelper output)
{
    // Seconds per sample in a normal test run: enough for thousands of inputs, little enough for every run.
    private const int SampleSeconds = 5;

    // No input of the sizes generated here takes a fraction of this; a blow-up (exponential, a loop) takes far longer.
    private static readonly TimeSpan PerInputLimit = TimeSpan.FromSeconds(5);

    // Guards the test run itself against a hang, which would otherwise never report.
    private static readonly TimeSpan HangGrace = TimeSpan.FromMinutes(2);

    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "Istio", "Fuzz", "corpus");

    private static IReadOnlyList<string> Corpus { get; } =
        Directory.GetFiles(CorpusDirectory).Order(StringComparer.Ordinal).Select(File.ReadAllText).ToArray();

    [Fact]
    public async Task LoadText_GeneratedIstioDocuments_EndInResourcesOrReportedErrors() =>
        await SampleAsync(ConfigTextGen.Documents);

    [Fact]
    public async Task LoadText_MutatedCorpusAndDocuments_EndInResourcesOrReportedErrors() =>
        await SampleAsync(ConfigTextGen.Mutated(Corpus));

    [Fact]
    public void LoadFile_EveryCorpusFile_LoadsCleanOrIsRejectedWithAPosition()
    {
        foreach (var path in Directory.GetFiles(CorpusDirectory))
        {
            var result = IstioConfigLoader.LoadFile(path);

            // hostile-*: inputs that crashed, hung or misled a loader; the rest are valid seeds.
            var hostile = Path.GetFileName(path).StartsWith("hostile-", StringComparison.Ordinal);
            if (hostile)
            {
                Assert.True(result.Errors.Count > 0 && result.Errors.All(e => e.Line is > 0), $"{path}: expected errors with a line, got: {string.Join("; ", result.Errors)}");
            }
            else
            {
                Assert.True(result.Errors.Count == 0 && result.Resources.Count > 0, $"{path}: expected resources and no error, got: {string.Join("; ", result.Errors)}");
            }
        }
    }

    private async Task SampleAsync(Gen<string> inputs)
    {
        // CsCheck_Time in the environment (Check.Time) asks for a longer hunt.
        var seconds = Check.Time > 0 ? Check.Time : SampleSeconds;
        // One thread in the suite, so that tests running beside it keep their share of the cores; every core for a hunt.
        var threads = Check.Time > 0 ? -1 : 1;
        var sampling = Task.Run(() => inputs.Sample(LoadsAndReports, writeLine: output.WriteLine, time: seconds, threads: threads, print: Printable));
        await sampling.WaitAsync(TimeSpan.FromSeconds(seconds) + HangGrace);
    }

    private static void LoadsAndReports(string text)
    {
        // The per-input limit holds for inputs of the generator's bounded size; a bigger one is the generator's bug.
        Assert.True(text.Length <= 2 * ConfigTextGen.MaxGrownChars, $"the generator made {text.Length} chars");
        var watch = Stopwatch.StartNew();
        var result = IstioConfigLoader.LoadText(text, "fuzz.yaml");
        watch.Stop();

        Assert.True(watch.Elapsed < PerInputLimit, $"loading took {watch.Elapsed.TotalSeconds:0.0} s");
        foreach (var error in result.Errors)
        {
            Assert.StartsWith("fuzz.yaml", error.ToString(), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(error.Reason));
        }

        Assert.All(result.Resources, resource => Assert.Equal(64, resource.ContentHash.Length));
    }

    /// <summary>The input as a C# literal, cut to a readable length: what a failure prints.</summary>
    private static string Printable(string text)
    {
        var shown = new StringBuilder("\"");
        foreach (var c in text.Length > 2_000 ? text[..2_000] : text)
        {
            shown.Append(c switch
            {
                '\n' => "\\n",
                '"' => "\\\"",
                '\\' => "\\\\",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return shown.Append(text.Length > 2_000 ? $"\"... ({text.Length} chars)" : "\"").ToString();
    }
}
