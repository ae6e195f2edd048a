using System.Text.Json;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests;

/// <summary>A local mesh started for a test, with the few things tests do to it: send traffic, edit config, wait.</summary>
internal sealed class MeshRun : IAsyncDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly string _workDir;

    private MeshRun(LocalMesh mesh, string workDir)
    {
        Mesh = mesh;
        _workDir = workDir;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false, MaxConnectionsPerServer = 16 })
        {
            BaseAddress = mesh.GatewayUrl,
            Timeout = TimeSpan.FromSeconds(20),
        };
    }

    public LocalMesh Mesh { get; }

    public HttpClient Client { get; }

    public static async Task<MeshRun> StartAsync(int backendFailPercent = 0, IReadOnlyDictionary<string, string>? configOverrides = null,
        Func<LocalMeshOptions, LocalMeshOptions>? configure = null)
    {
        var workDir = Path.Combine(Path.GetTempPath(), "mesh-e2e-" + Guid.NewGuid().ToString("N")[..8]);
        var options = new LocalMeshOptions
        {
            WorkDir = workDir,
            BackendFailPercent = backendFailPercent,
            ConfigOverrides = configOverrides ?? new Dictionary<string, string>(),
        };
        var mesh = await LocalMesh.StartAsync(configure is null ? options : configure(options));
        return new MeshRun(mesh, workDir);
    }

    /// <summary>One request through the gateway: its status and, when it succeeded, which backend answered.</summary>
    public async Task<GatewayAnswer> GetAsync(IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.Add(name, value);
        }

        using var response = await Client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return GatewayAnswer.Parse((int)response.StatusCode, body);
    }

    /// <summary>Sends <paramref name="count"/> requests, <paramref name="parallel"/> at a time.</summary>
    public async Task<IReadOnlyList<GatewayAnswer>> GetManyAsync(int count, int parallel = 8)
    {
        var answers = new GatewayAnswer[count];
        var next = -1;
        var workers = Enumerable.Range(0, parallel).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                answers[i] = await GetAsync();
            }
        });
        await Task.WhenAll(workers);
        return answers;
    }

    /// <summary>Rewrites a file of the config folder the way an editor does: write aside, then rename over it.</summary>
    public void WriteConfig(string file, string content)
    {
        var path = Path.Combine(Mesh.ConfigDir, file);
        var temp = path + ".tmp~";
        File.WriteAllText(temp, content);
        File.Move(temp, path, overwrite: true);
    }

    public string ReadConfig(string file) => File.ReadAllText(Path.Combine(Mesh.ConfigDir, file));

    public async Task<JsonDocument> GetControlPlaneJsonAsync(string path)
    {
        var body = await Client.GetStringAsync(new Uri(Mesh.ControlPlaneUrl, path));
        return JsonDocument.Parse(body);
    }

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (!await condition())
        {
            if (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"timed out after {timeout.TotalSeconds:0.#} s waiting for {what}");
            }

            await Task.Delay(PollInterval);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Mesh.DisposeAsync();
        try
        {
            Directory.Delete(_workDir, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless.
        }
    }
}
