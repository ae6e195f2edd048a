using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Mesh.EndToEnd.Tests;

/// <summary>
/// A real Prometheus (Debian package <c>prometheus</c>) on 127.0.0.1 that scrapes the local mesh's proxies (through file
/// service discovery) and its control plane every second, queried over its HTTP API.
/// </summary>
internal sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly HttpClient _client;
    private readonly string _dataDir;

    private PrometheusServer(Process process, Uri address, string dataDir)
    {
        _process = process;
        _dataDir = dataDir;
        _client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <param name="controlPlane">The control plane's base URL: its /metrics is scraped too, as the demo's own config does.</param>
    public static async Task<PrometheusServer> StartAsync(string targetsFile, Uri controlPlane)
    {
        var folder = Path.GetDirectoryName(targetsFile)!;
        var config = Path.Combine(folder, "prometheus-e2e.yml");
        File.WriteAllText(config, $"""
            global:
              scrape_interval: 1s
              evaluation_interval: 1s
            scrape_configs:
            - job_name: envoy-stats
              file_sd_configs:
              - files: ['{targetsFile}']
                refresh_interval: 1s
            - job_name: pilot
              static_configs:
              - targets: ['{controlPlane.Host}:{controlPlane.Port}']
            """);
        // Below the ephemeral range: Prometheus binds it only once started.
        var port = Mesh.Meshctl.Local.FreePorts.Take(1)[0];
        var dataDir = Path.Combine(folder, "data");
        var info = new ProcessStartInfo("prometheus")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            $"--config.file={config}", $"--storage.tsdb.path={dataDir}", $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
        })
        {
            info.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidOperationException("prometheus did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("prometheus is not installed; install the Debian 'prometheus' package (scripts/test.sh does).", e);
        }

        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, new Uri($"http://127.0.0.1:{port}"), dataDir);
        await MeshRun.WaitUntilAsync(server.IsReadyAsync, TimeSpan.FromSeconds(30), "prometheus to be ready");
        return server;
    }

    /// <summary>Evaluates an instant PromQL query: one (labels, value) per result series.</summary>
    public async Task<IReadOnlyList<(Dictionary<string, string> Labels, double Value)>> QueryAsync(string promql)
    {
        var body = await _client.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(promql));
        using var json = JsonDocument.Parse(body);
        var results = new List<(Dictionary<string, string>, double)>();
        foreach (var series in json.RootElement.GetProperty("data").GetProperty("result").EnumerateArray())
        {
            var labels = new Dictionary<string, string>();
            foreach (var label in series.GetProperty("metric").EnumerateObject())
            {
                labels[label.Name] = label.Value.GetString()!;
            }

            var value = series.GetProperty("value")[1].GetString()!;
            results.Add((labels, double.Parse(value, CultureInfo.InvariantCulture)));
        }

        return results;
    }

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Left in the test's temp folder; the mesh's own clean-up removes the rest.
        }
    }

    private async Task<bool> IsReadyAsync()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException($"prometheus exited with code {_process.ExitCode}");
        }

        try
        {
            using var response = await _client.GetAsync("/-/ready");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

}
