using System.Net;
using Mesh.Meshctl.Local;

namespace Mesh.EndToEnd.Tests.Meshctl;

/// <summary>A program that never gets ready: the failure's first line says which program, where, and what it last answered.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task WaitForHttpOkAsync_NeverReady_FirstLineNamesTheProgramAndItsLastAnswer()
    {
        var port = FreePorts.Take(1)[0];
        using var notReady = new HttpListener();
        notReady.Prefixes.Add($"http://127.0.0.1:{port}/");
        notReady.Start();
        var answering = AnswerNotReadyAsync(notReady);
        var workDir = Directory.CreateTempSubdirectory("mesh-readiness-").FullName;
        var layout = RepositoryLayout.Find();
        await using var program = MeshProcess.Start("backend-v1 sidecar", layout.Binary("Mesh.SampleApp"),
            ["--service", "backend", "--version", "v1", "--port", FreePorts.Take(1)[0].ToString()],
            new Dictionary<string, string?>(), Path.Combine(workDir, "program.log"), static (_, _) => { });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        var error = await Assert.ThrowsAsync<TimeoutException>(() =>
            Readiness.WaitForHttpOkAsync(new Uri($"http://127.0.0.1:{port}/ready"), program, deadline.Token, "backend-v1 sidecar to apply its config"));

        var firstLine = error.Message.Split('\n')[0];
        Assert.Contains("backend-v1 sidecar to apply its config", firstLine);
        Assert.Contains($"http://127.0.0.1:{port}/ready last answered 503 NOT READY: waiting for routes", firstLine);
        notReady.Stop();
        await answering;
        Directory.Delete(workDir, recursive: true);
    }

    private static async Task AnswerNotReadyAsync(HttpListener listener)
    {
        try
        {
            while (true)
            {
                var context = await listener.GetContextAsync();
                context.Response.StatusCode = 503;
                await context.Response.OutputStream.WriteAsync("NOT READY: waiting for routes\n"u8.ToArray());
                context.Response.Close();
            }
        }
        catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
